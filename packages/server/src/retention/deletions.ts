import fs from 'node:fs';
import path from 'node:path';
import type { DeletionResult } from '@vaahshare/protocol';
import type { Broadcast } from '../broadcast.js';
import type { Db } from '../db/database.js';
import { AppError, notFound } from '../errors.js';
import type { Actor, DomainEventBus } from '../events/domain-events.js';
import type { MediaFilters } from '../media/index.js';
import type { Deleter, DeletionReason } from './deleter.js';
import * as repo from './retention.repository.js';

export interface DeletionsDeps {
  db: Db;
  deleter: Deleter;
  events: DomainEventBus;
  broadcast: Pick<Broadcast, 'toGroup'>;
  dataDir: string;
}

const busy = (id: number, status: string) =>
  new AppError(
    'media_busy',
    `Media ${id} is ${status === 'recording' ? 'still recording' : 'being finalized'}: it can be deleted once it is finished`,
    409,
  );

/** What the dashboard deletes: one recording, all a filter selects, or a client and all its data. */
export function createDeletions({ db, deleter, events, broadcast, dataDir }: DeletionsDeps) {
  /** One recording of `companyId` (its other companies' answer as missing); refused while recording or finalizing. */
  async function deleteOne(visible: (companyId: number) => boolean, id: number, actor: Actor): Promise<DeletionResult> {
    const row = await db.selectFrom('media').select(['id', 'company_id', 'status']).where('id', '=', id).executeTakeFirst();
    if (!row || row.status === 'deleting' || !visible(row.company_id)) throw notFound(`Media ${id}`);
    if (!repo.FINISHED.includes(row.status)) throw busy(id, row.status);
    const done = await deleter.deleteFinished(row.company_id, [id], 'user', actor);
    // Its status changed between the read and the claim (a finalizing that began again cannot happen: finished is final).
    if (!done.deleted) throw notFound(`Media ${id}`);
    return { ...done, skipped: 0 };
  }

  /** Every finished recording the filters select, a batch at a time; those still recording or finalizing are skipped. */
  async function deleteSelected(filters: MediaFilters, actor: Actor, reason: DeletionReason = 'user'): Promise<DeletionResult> {
    const result = { deleted: 0, bytes: 0, skipped: 0 };
    for (let afterId = 0; ; ) {
      const batch = await repo.selectedIds(db, filters, afterId);
      if (!batch.length) return result;
      afterId = batch[batch.length - 1].id;
      const finished = batch.filter((row) => repo.FINISHED.includes(row.status)).map((row) => row.id);
      const done = await deleter.deleteFinished(filters.companyId, finished, reason, actor);
      result.deleted += done.deleted;
      result.bytes += done.bytes;
      result.skipped += batch.length - done.deleted;
    }
  }

  /**
   * A client and all its data. Refused while it is connected (or reconnecting): its agent would create it again
   * at once and its recording in flight would lose its row; revoke its token or remove the agent first.
   */
  async function deleteClient(visible: (companyId: number) => boolean, clientId: number, actor: Actor): Promise<DeletionResult> {
    const client = await db.selectFrom('clients').select(['id', 'company_id', 'user_host', 'is_connected', 'group_id']).where('id', '=', clientId).executeTakeFirst();
    if (!client || !visible(client.company_id)) throw notFound(`Client ${clientId}`);
    const connected = () =>
      new AppError('client_connected', `${client.user_host} is connected: stop its agent (or revoke its token) and delete it once it is offline`, 409);
    if (client.is_connected) throw connected();
    const result = await deleteSelected({ companyId: client.company_id, clientId }, actor, 'client-deleted');
    if (result.skipped) {
      throw new AppError('media_busy', `${result.skipped} recordings of ${client.user_host} are still being finalized: try again in a minute`, 409);
    }
    // Guarded: a client that connected meanwhile stays (its recordings, as asked, are gone).
    const deleted = await db.deleteFrom('clients').where('id', '=', clientId).where('is_connected', '=', 0).executeTakeFirst();
    if (!deleted.numDeletedRows) throw connected();
    await fs.promises.rm(path.join(dataDir, 'media', String(client.company_id), String(clientId)), { recursive: true, force: true });
    const { company_id: companyId, user_host: userHost } = client;
    events.emit('client-deleted', { companyId, clientId, userHost, recordings: result.deleted, bytes: result.bytes, actor });
    broadcast.toGroup(companyId, client.group_id).emit('client-deleted', { id: clientId });
    return result;
  }

  return { deleteOne, deleteSelected, deleteClient };
}

export type Deletions = ReturnType<typeof createDeletions>;
