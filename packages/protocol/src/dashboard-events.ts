import { z } from 'zod';

export const watchSchema = z.object({ client_id: z.number().int().positive() });
export type WatchPayload = z.input<typeof watchSchema>;
