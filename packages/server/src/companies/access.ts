import type { AccessSettings, OriginalClients } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import type { CompanyRow } from '../db/schema.js';
import { companiesAcceptingOriginalClients, findCompany, firstCompany, listCompanies } from './companies.repository.js';
import { admits, fromWhere, originalClientsOf } from './original-clients.js';

export type CompanyAccess = ReturnType<typeof createCompanyAccess>;

/**
 * Who may be let in without credentials: original VaahShare clients, per company (its setting and allow-list, or
 * LEGACY_AGENTS=true for the default company — the oldest one). Also the company's second-factor rule for admins.
 */
export function createCompanyAccess(ctx: Pick<AppContext, 'db' | 'config'>) {
  let defaultCompanyId: number | undefined;
  const isDefault = async (companyId: number) => {
    defaultCompanyId ??= (await firstCompany(ctx.db))?.id;
    return companyId === defaultCompanyId;
  };
  const rulesOf = async (row: CompanyRow): Promise<OriginalClients> => originalClientsOf(row, ctx.config.LEGACY_AGENTS && (await isDefault(row.id)));

  /** The companies whose rules let original clients in, with them. */
  async function accepting(): Promise<Array<{ company: CompanyRow; rules: OriginalClients }>> {
    const rows = ctx.config.LEGACY_AGENTS ? await listCompanies(ctx.db) : await companiesAcceptingOriginalClients(ctx.db);
    const all = await Promise.all(rows.map(async (company) => ({ company, rules: await rulesOf(company) })));
    return all.filter(({ rules }) => rules.accepted);
  }

  return {
    rulesOf,
    accepting,
    settingsOf: async (row: CompanyRow): Promise<AccessSettings> => ({ require_admin_totp: row.require_admin_totp === 1, original_clients: await rulesOf(row) }),
    /** Whether any company accepts original clients at all (else their sockets are refused at the handshake). */
    anyAcceptsOriginalClients: async () => ctx.config.LEGACY_AGENTS || (await companiesAcceptingOriginalClients(ctx.db)).length > 0,
    /**
     * Whether an original client at `address` may be of company `companyId`. False alike for a company that does not
     * exist and one that does not accept it from there: the answer must not tell which companies exist.
     */
    async admitsOriginalClient(companyId: number, address: string): Promise<boolean> {
      const row = await findCompany(ctx.db, companyId);
      return row !== undefined && admits(await rulesOf(row), address);
    },
    /** The loud start-up warning while any company accepts original clients (they hold no credential). */
    async warnIfOriginalClientsAccepted(log: AppContext['log']) {
      for (const { company, rules } of await accepting()) {
        log.warn(
          `SECURITY: company ${company.id} "${company.name}" accepts original VaahShare clients from ${fromWhere(rules)}: ` +
            'they connect with no credential, so anyone there who knows its id can stream into its history as a desktop that has no device credential. ' +
            (rules.accepted_by_server_config ? 'Unset LEGACY_AGENTS to stop it, or list their addresses in Settings → Original clients.' : 'Turn it off in Settings → Original clients once they are updated.'),
        );
      }
    },
  };
}
