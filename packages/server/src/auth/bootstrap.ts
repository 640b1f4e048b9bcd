import { installCommands } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import { exclusively, type Db } from '../db/database.js';
import { seedDefaultCompany } from '../companies/index.js';
import { hashPassword } from './passwords.js';
import { newSecretToken } from '../infra/secrets.js';
import { countAdmins, insertUser } from './users.repository.js';

export const GENERATED_ADMIN_EMAIL = 'admin@vaahshare.local';

/** What a first start created and must show once, since it is never shown again. */
export interface BootstrapResult {
  enrollmentToken?: string;
  admin?: { email: string; password?: string };
}

/**
 * Makes a fresh installation usable: a default company with an enrollment token, and a superadmin —
 * from ADMIN_EMAIL/ADMIN_PASSWORD, or with a generated password when those are unset.
 */
export function bootstrap(ctx: Pick<AppContext, 'database' | 'config' | 'clock' | 'log'>): Promise<BootstrapResult> {
  // Nodes starting together on one PostgreSQL database must not each create the company, token and admin.
  return exclusively(ctx.database, 'vaahshare:bootstrap', (db) => seed(db, ctx));
}

async function seed(db: Db, ctx: Pick<AppContext, 'config' | 'clock' | 'log'>): Promise<BootstrapResult> {
  const now = ctx.clock.now();
  const result: BootstrapResult = {};
  const company = await seedDefaultCompany(db, { agentToken: ctx.config.AGENT_TOKEN, now, log: ctx.log });
  if (company.enrollmentToken) result.enrollmentToken = company.enrollmentToken;

  if ((await countAdmins(db)) === 0) {
    const email = ctx.config.ADMIN_EMAIL ?? GENERATED_ADMIN_EMAIL;
    const generated = ctx.config.ADMIN_PASSWORD ? undefined : newSecretToken(12);
    const password = ctx.config.ADMIN_PASSWORD ?? generated!;
    await insertUser(db, {
      email,
      company_id: company.companyId,
      role: 'superadmin',
      password_hash: await hashPassword(password, ctx.config),
      created_at: now,
    });
    result.admin = { email, password: generated };
  }
  return result;
}

/**
 * What the server prints at start: on a first start, once, the login and the enrollment token with the
 * line that installs the agent; at every start without PUBLIC_URL, that it should be set.
 */
export function describeBootstrap(result: BootstrapResult, server: { url: string; configured: boolean }): string | undefined {
  const { url } = server;
  const lines: string[] = [];
  if (result.admin) {
    lines.push(`Dashboard: ${url} — log in as ${result.admin.email}`);
    if (result.admin.password) lines.push(`  generated password: ${result.admin.password}   (set ADMIN_EMAIL/ADMIN_PASSWORD to choose your own)`);
  }
  if (result.enrollmentToken) {
    const install = installCommands(url, result.enrollmentToken);
    lines.push(`Agent enrollment token of the default company: ${result.enrollmentToken}`);
    lines.push('  Install the agent on a desktop with one line (the dashboard shows it too: Settings → Add a desktop):');
    lines.push(`    Linux, macOS:        ${install.unix}`);
    lines.push(`    Windows PowerShell:  ${install.windows}`);
  }
  const unset = server.configured ? [] : [`PUBLIC_URL is not set: links above use ${url}. Set PUBLIC_URL to the address desktops reach this server at.`];
  if (!lines.length) return unset[0];
  const rule = '='.repeat(78);
  return [rule, 'VaahShare first start — shown once, keep it:', ...lines, ...unset, rule].join('\n');
}
