import { z } from 'zod';
import { idSchema } from './ids.js';

export const watchSchema = z.object({ client_id: idSchema });
export type WatchPayload = z.input<typeof watchSchema>;
