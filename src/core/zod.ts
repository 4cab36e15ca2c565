/** The one import site of zod. */
export { z } from 'zod';
export type { ZodType } from 'zod';
