import { createAgentDownloadsFeature } from './agent-downloads/index.js';
import { createAlertsFeature } from './alerts/index.js';
import { createAuditFeature } from './audit/index.js';
import { createAuthFeature } from './auth/index.js';
import { createClusterFeature } from './cluster/index.js';
import { createCompaniesFeature } from './companies/index.js';
import { createDiskFeature } from './disk/index.js';
import { createGroupsFeature } from './groups/index.js';
import { installAccessControl } from './access/index.js';
import { requireSession, requireUser } from './auth/index.js';
import type { Config } from './config.js';
import { openInfrastructure, type BuildOptions } from './infrastructure.js';
import { createLegacyFeature } from './legacy/index.js';
import { createMediaFeature } from './media/index.js';
import { createMonitoringHoursFeature } from './monitoring-hours/index.js';
import { createPresenceFeature } from './presence/index.js';
import { createRetentionFeature } from './retention/index.js';
import { createShareFeature } from './share/index.js';
import { createStreamingFeature } from './streaming/index.js';
import { createWebFeature } from './web/index.js';
import { wireFeatures } from './wiring.js';

export type { BuildOptions } from './infrastructure.js';
export type VaahShareApp = Awaited<ReturnType<typeof buildApp>>;

/**
 * Builds the whole server without listening, so tests can start it on a random port. The features are
 * listed in the order they start (and stop in reverse); each gets the faces of those it uses.
 */
export async function buildApp(config: Config, options: BuildOptions = {}) {
  const infra = await openInfrastructure(config, options);
  const { app, ctx, sockets } = infra;
  // Before any route is registered: each must have a policy, checked on every request.
  const accessControl = installAccessControl(app, {
    db: ctx.db,
    userOf: async (request, evenWithSetupPending) => (evenWithSetupPending ? (await requireSession(ctx, request)).user : requireUser(ctx, request)),
  });
  const cluster = createClusterFeature(ctx);
  const companies = createCompaniesFeature(ctx);
  const auth = createAuthFeature(ctx, { companies });
  const presence = createPresenceFeature(ctx, { companies, cluster });
  const groups = createGroupsFeature(ctx);
  const alerts = createAlertsFeature(ctx);
  const disk = createDiskFeature(ctx);
  const media = createMediaFeature(ctx, { presence, disk });
  const streaming = createStreamingFeature(ctx, sockets, { disk });
  const retention = createRetentionFeature(ctx, { disk });
  const monitoringHours = createMonitoringHoursFeature(ctx, sockets);
  const legacy = createLegacyFeature(ctx, { companies, presence, alerts, media });
  // After the features whose events it records: it drains (writes what is queued) once their sockets closed.
  const audit = createAuditFeature(ctx);
  const features = [cluster, companies, auth, presence, groups, alerts, disk, media, streaming, retention, monitoringHours, legacy, audit, createShareFeature(), createAgentDownloadsFeature(ctx, { companies, presence }), createWebFeature(ctx)];
  const { listen, close } = await wireFeatures(infra, features, auth.authenticateSocket);
  const bootstrapResult = await auth.bootstrap();
  return {
    app,
    ctx,
    io: sockets.io,
    broadcast: ctx.broadcast,
    presence: presence.presence,
    streams: streaming.streams,
    media: media.service,
    retention,
    monitoringHours,
    disk: disk.guard,
    clients: presence.clients,
    audit,
    bootstrapResult,
    /** Every REST route registered (`METHOD /path`), for the test that walks them as each role. */
    routes: accessControl.routes,
    listen,
    close,
  };
}
