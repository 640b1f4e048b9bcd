import type { mediaDeleteQuerySchema } from '@vaahshare/protocol';
import type { z } from 'zod';
import type { MediaFilters } from './library.repository.js';

const DAY_MS = 86_400_000;
const isBareDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The library filters of a `GET /api/media` query, within `companyId`. */
export function filtersOf(query: z.output<typeof mediaDeleteQuerySchema>, companyId: number): MediaFilters {
  const { client_id, group_id, from, to, source, status } = query;
  return {
    companyId,
    clientId: client_id,
    groupIds: group_id === undefined ? undefined : [group_id],
    from: from === undefined ? undefined : Date.parse(from),
    // A bare date includes its whole day; a time is included itself.
    before: to === undefined ? undefined : Date.parse(to) + (isBareDate(to) ? DAY_MS : 1),
    source,
    status,
  };
}

