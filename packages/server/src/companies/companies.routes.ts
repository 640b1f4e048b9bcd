import {
  createCompanyBodySchema,
  createTokenBodySchema,
  idParamsSchema,
  tokenParamsSchema,
  updateAccessBodySchema,
  updateSettingsBodySchema,
  type AccessSettings,
  type ApiResponse,
} from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { actorOf, requireUser, scopeCompany } from '../auth/index.js';
import { newSecretToken } from '../infra/secrets.js';
import { notFound } from '../errors.js';
import * as repo from './companies.repository.js';
import type { CompanyAccess } from './access.js';
import { normalRange } from './original-clients.js';
import { changedSettings } from './settings-changes.js';

/** Access settings as the audit trail compares them: one plain value each. */
const flatAccess = (access: AccessSettings) => ({
  require_admin_totp: access.require_admin_totp,
  original_clients: access.original_clients.accepted,
  original_clients_from: access.original_clients.allowed_addresses.join(', '),
});

export const companiesRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; access: CompanyAccess }> = async (app, { ctx, access }) => {
  /** The company a request acts on, and who acts (for the events it emits). */
  async function companyFor(request: Parameters<typeof requireUser>[1], id: number) {
    const user = await requireUser(ctx, request);
    const company = await repo.findCompany(ctx.db, scopeCompany(user, id));
    if (!company) throw notFound(`Company ${id}`);
    return Object.assign(company, { actor: actorOf(user, request) });
  }

  app.get('/', async (request): Promise<ApiResponse<'GET /api/companies'>> => {
    const user = await requireUser(ctx, request);
    const rows = user.role === 'superadmin' ? await repo.listCompanies(ctx.db) : [await repo.findCompany(ctx.db, user.company_id)];
    const data = rows.filter((r) => r !== undefined).map(repo.toCompany);
    return { data, meta: { total: data.length, page: 1, per_page: data.length } };
  });

  app.post('/', { schema: { body: createCompanyBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/companies'>> => {
    // A superadmin's alone (access/route-policies.ts).
    const user = await requireUser(ctx, request);
    const now = ctx.clock.now();
    const company = await repo.insertCompany(ctx.db, request.body.name, now);
    const token = await repo.insertEnrollmentToken(ctx.db, company.id, newSecretToken(), 'default', now);
    await ctx.events.emitAndWait('company-created', { actor: actorOf(user, request), companyId: company.id, name: company.name });
    reply.code(201);
    return { data: { ...repo.toCompany(company), enrollment_token: token.token } };
  });

  app.get('/:id/tokens', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'GET /api/companies/:id/tokens'>> => {
    const company = await companyFor(request, request.params.id);
    const data = (await repo.listEnrollmentTokens(ctx.db, company.id)).map(repo.toEnrollmentToken);
    return { data, meta: { total: data.length, page: 1, per_page: data.length } };
  });

  app.post('/:id/tokens', { schema: { params: idParamsSchema, body: createTokenBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/companies/:id/tokens'>> => {
    const company = await companyFor(request, request.params.id);
    const groupId = request.body.group_id ?? null;
    if (groupId !== null && !(await repo.isGroupOf(ctx.db, company.id, groupId))) throw notFound(`Group ${groupId}`);
    const row = await repo.insertEnrollmentToken(ctx.db, company.id, newSecretToken(), request.body.label ?? null, ctx.clock.now(), groupId);
    await ctx.events.emitAndWait('token-created', { actor: company.actor, companyId: company.id, tokenId: row.id, label: row.label });
    reply.code(201);
    // The only time the token itself is shown: the server keeps its hash.
    return { data: { ...repo.toEnrollmentToken(row), token: row.token } };
  });

  app.delete('/:id/tokens/:tokenId', { schema: { params: tokenParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/companies/:id/tokens/:tokenId'>> => {
    const company = await companyFor(request, request.params.id);
    const row = await repo.revokeEnrollmentToken(ctx.db, company.id, request.params.tokenId, ctx.clock.now());
    if (!row) throw notFound(`Active token ${request.params.tokenId}`);
    ctx.companies.forgetTokens();
    // Their clients are disconnected first, so the sockets' disconnects below find nothing left to drop.
    await ctx.events.emitAndWait('token-revoked', { actor: company.actor, companyId: company.id, tokenId: row.id, label: row.label });
    // Agents already connected with it lose their access now, not at their next reconnect (on every node).
    ctx.broadcast.disconnectToken(row.id);
    return { data: repo.toEnrollmentToken(row) };
  });

  app.get('/:id/settings', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'GET /api/companies/:id/settings'>> => ({
    data: repo.toSettings(await companyFor(request, request.params.id)),
  }));

  app.patch('/:id/settings', { schema: { params: idParamsSchema, body: updateSettingsBodySchema } }, async (request): Promise<ApiResponse<'PATCH /api/companies/:id/settings'>> => {
    const company = await companyFor(request, request.params.id);
    const updated = await repo.updateSettings(ctx.db, company.id, request.body);
    const settings = repo.toSettings(updated ?? company);
    ctx.companies.forgetSettings(company.id);
    const changes = changedSettings(repo.toSettings(company), settings);
    if (Object.keys(changes).length) await ctx.events.emitAndWait('settings-changed', { actor: company.actor, companyId: company.id, changes });
    // Agents of the company pick the new idle threshold up at once.
    ctx.broadcast.toAgents(company.id).emit('settings', settings);
    return { data: settings };
  });

  app.get('/:id/access', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'GET /api/companies/:id/access'>> => ({
    data: await access.settingsOf(await companyFor(request, request.params.id)),
  }));

  app.patch('/:id/access', { schema: { params: idParamsSchema, body: updateAccessBodySchema } }, async (request): Promise<ApiResponse<'PATCH /api/companies/:id/access'>> => {
    const company = await companyFor(request, request.params.id);
    const { require_admin_totp, original_clients } = request.body;
    const row = await repo.updateAccess(ctx.db, company.id, {
      ...(require_admin_totp !== undefined && { require_admin_totp: require_admin_totp ? 1 : 0 }),
      ...(original_clients && {
        original_clients: original_clients.accepted ? 1 : 0,
        original_clients_from: [...new Set(original_clients.allowed_addresses.map(normalRange))].join('\n'),
      }),
    });
    const changes = changedSettings(flatAccess(await access.settingsOf(company)), flatAccess(await access.settingsOf(row)));
    if (Object.keys(changes).length) await ctx.events.emitAndWait('settings-changed', { actor: company.actor, companyId: company.id, changes });
    // Original clients connected under the old rules come back and are admitted (or not) by the new ones.
    if (changes.original_clients || changes.original_clients_from) ctx.broadcast.disconnectOriginalClients(company.id);
    return { data: await access.settingsOf(row) };
  });
};
