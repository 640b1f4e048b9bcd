import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from './columns.js';
import { initial } from './001-initial.js';
import { media } from './002-media.js';
import { clusterNodes } from './003-cluster-nodes.js';
import { pauses } from './004-pauses.js';
import { viewerNames } from './005-viewer-names.js';
import { alertTimes } from './006-alert-times.js';
import { presenceReason } from './006-presence-reason.js';
import { accountSecurity } from './007-account-security.js';
import { retention } from './008-retention.js';
import { deviceSecrets } from './009-device-secrets.js';
import { tokenHashes } from './010-token-hashes.js';
import { audit } from './011-audit.js';
import { limits } from './012-limits.js';
import { access } from './013-access.js';
import { rolesGroups } from './014-roles-groups.js';
import { qualityPresets } from './015-quality-presets.js';
import { monitoringHours } from './016-monitoring-hours.js';
import { socketHistory } from './017-socket-history.js';
import { leanClientIndexes } from './018-lean-client-indexes.js';

/** Migrations live in code (not read from a folder) so they run the same under tsx and in a bundle. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initial(dialect),
        '002-media': media(dialect),
        '003-cluster-nodes': clusterNodes(),
        '004-pauses': pauses(dialect),
        '005-viewer-names': viewerNames(),
        // Each new one sorts after all the others: a database refuses one that sorts before a migration it ran.
        '006-alert-times': alertTimes(),
        '006-presence-reason': presenceReason(),
        '007-account-security': accountSecurity(),
        '008-retention': retention(),
        '009-device-secrets': deviceSecrets(),
        '010-token-hashes': tokenHashes(),
        '011-audit': audit(dialect),
        '012-limits': limits(),
        '013-access': access(),
        '014-roles-groups': rolesGroups(dialect),
        '015-quality-presets': qualityPresets(),
        '016-monitoring-hours': monitoringHours(dialect),
        '017-socket-history': socketHistory(),
        '018-lean-client-indexes': leanClientIndexes(),
      };
    },
  };
}
