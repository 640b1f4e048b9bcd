import type { Role, SecondFactorState } from '@vaahshare/protocol';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/**
 * Who must have a second factor: every superadmin (they see every company; TOTP_REQUIRED_FOR_SUPERADMINS=false
 * lifts it, for tests and demos), and the admins of a company that requires it. Anyone else may.
 */
export function secondFactorState(config: Pick<Config, 'TOTP_REQUIRED_FOR_SUPERADMINS'>, role: Role, enabled: boolean, companyRequiresAdmins: boolean): SecondFactorState {
  const required = role === 'superadmin' ? config.TOTP_REQUIRED_FOR_SUPERADMINS : companyRequiresAdmins;
  return { enabled, required };
}

/** A required second factor not set up yet: the session may only set it up (or log out). */
export const setupPending = (state: SecondFactorState) => state.required && !state.enabled;

export const secondFactorSetupRequired = () =>
  new AppError('second_factor_setup_required', 'Set up your second factor first: your account requires one (the dashboard shows the set-up after login)', 403);
