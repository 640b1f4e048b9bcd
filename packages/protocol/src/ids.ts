import { z } from 'zod';

/** Ids are 32-bit database integers: a larger number can name nothing and is refused as bad input. */
export const MAX_ID = 2_147_483_647;

export const idSchema = z.number().int().positive().max(MAX_ID);
/** An id in a URL path or query string. */
export const idParam = z.coerce.number().int().positive().max(MAX_ID);
