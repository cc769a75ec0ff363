/**
 * The error body both services answer with: `{ error, detail? }`, where `error` is a short title
 * a client can branch on and `detail` says what was wrong. Browser-safe: zod only.
 *
 * @example
 * const problem = ErrorBodySchema.parse(await res.json()) // { error: 'stream not found', ... }
 */
import { z } from 'zod'

export const ErrorBodySchema = z.object({
  error: z.string(),
  detail: z.string().optional(),
})
export type ErrorBody = z.infer<typeof ErrorBodySchema>
