import fs from 'node:fs';
import { AGENT_PLATFORMS, agentPlatformSchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../auth/index.js';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { BUILD_COMMAND, type AgentBuilds, type BuiltFile } from './builds.js';
import { installPs1 } from './install-ps1.js';
import { installSh, type ScriptParams } from './install-sh.js';

const platformParams = z.object({ platform: agentPlatformSchema });
const tokenQuery = z.object({ token: z.string().max(512).optional() });

/**
 * The agent for desktops: its executables (GET /agent/download/:platform, …/ffmpeg), the one-line install
 * scripts (GET /agent/install.sh, /agent/install.ps1 with ?token=), and what the dashboard's "Add a
 * desktop" shows (GET /api/agent-downloads).
 */
export const agentDownloadsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; companies: CompaniesFace; builds: AgentBuilds }> = async (app, { ctx, companies, builds }) => {
  const allBuilds = () => AGENT_PLATFORMS.map(builds.manifest).filter((b) => b !== null);
  // Where the desktop fetched the script from reaches this server, when PUBLIC_URL does not say.
  const serverUrl = (request: FastifyRequest) => ctx.config.PUBLIC_URL ?? `${request.protocol}://${request.host}`;

  async function serve(platform: z.infer<typeof agentPlatformSchema>, which: BuiltFile, reply: FastifyReply) {
    const build = builds.manifest(platform);
    if (!build) {
      throw new AppError('agent_not_built', `The ${platform} agent is not built on this server: run \`${BUILD_COMMAND}\` (or \`${BUILD_COMMAND} -- ${platform}\`)`, 404);
    }
    const file = builds.fileOf(build, which);
    const stream = fs.createReadStream(file);
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject)).catch(() => {
      throw new AppError('agent_not_built', `The ${platform} ${which} is missing on this server: run \`${BUILD_COMMAND} -- ${platform}\``, 404);
    });
    return reply
      .type('application/octet-stream')
      .header('content-length', build[which].size)
      .header('content-disposition', `attachment; filename="${build[which].file}"`)
      .header('x-sha256', build[which].sha256)
      .header('x-agent-version', build.version)
      .send(stream);
  }

  app.get('/agent/download/:platform', { schema: { params: platformParams } }, (request, reply) => serve(request.params.platform, 'agent', reply));
  app.get('/agent/download/:platform/ffmpeg', { schema: { params: platformParams } }, (request, reply) => serve(request.params.platform, 'ffmpeg', reply));

  /** Why a token may not install an agent, or null when it may. */
  async function refusalOf(token: string | undefined): Promise<string | null> {
    if (!token) return 'no enrollment token in the command: copy it again from the dashboard (Settings → Add a desktop)';
    // PostgreSQL refuses to compare text holding NUL; no token holds one.
    const row = token.includes('\u0000') ? undefined : await companies.findToken(token);
    if (!row) return 'the server does not know this enrollment token: copy the command again from the dashboard (Settings → Add a desktop)';
    if (row.revoked_at !== null) return 'this enrollment token was revoked: ask your admin for a current one (Settings → Add a desktop)';
    return null;
  }

  async function scriptParams(request: FastifyRequest, token: string | undefined): Promise<ScriptParams> {
    const refusal = await refusalOf(token);
    return { server: serverUrl(request), token: refusal ? null : token!, refusal, builds: allBuilds() };
  }

  // A refusal is still a script answered with 200: `curl -f` would drop a 4xx body, and `sh` would then
  // succeed on empty input; the script says why and exits 1 instead.
  app.get('/agent/install.sh', { schema: { querystring: tokenQuery } }, async (request, reply) =>
    reply.type('text/x-shellscript; charset=utf-8').header('cache-control', 'no-store').send(installSh(await scriptParams(request, request.query.token))),
  );
  app.get('/agent/install.ps1', { schema: { querystring: tokenQuery } }, async (request, reply) =>
    reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(installPs1(await scriptParams(request, request.query.token))),
  );

  app.get('/api/agent-downloads', async (request): Promise<ApiResponse<'GET /api/agent-downloads'>> => {
    await requireUser(ctx, request);
    const data = AGENT_PLATFORMS.map((platform) => {
      const build = builds.manifest(platform);
      return { platform, version: build?.version ?? null, size: build?.agent.size ?? null, ffmpeg_size: build?.ffmpeg.size ?? null };
    });
    return { data: { public_url: ctx.config.PUBLIC_URL ?? null, builds: data } };
  });
};
