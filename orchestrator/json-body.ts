import type { Context } from 'hono'
import type { z } from 'zod'
import { HttpError } from '../lib/http-error.ts'

/**
 * Reads a JSON body and validates it: malformed JSON is a 400, a body of the wrong shape a 422
 * whose detail names every bad field (`engine.port: expected number`).
 *
 * @example
 * const event = await readJsonBody(c, streamStartedSchema)
 */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  const text = await c.req.text()
  if (text.trim() === '') throw new HttpError(400, 'missing JSON body')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new HttpError(400, 'malformed JSON in request body', (err as Error).message)
  }
  return validate(schema, value, 'invalid request body')
}

/** Validates any value (query, body) and answers 422 naming the fields when it does not fit. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  error: string,
): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const detail = parsed.error.issues
    .slice(0, 20)
    .map((i) => {
      const field = i.path.length ? i.path.map(String).join('.') : '(body)'
      const keys = (i as { keys?: string[] }).keys
      return keys?.length
        ? `${field}: unknown field(s) ${keys.join(', ')}`
        : `${field}: ${i.message}`
    })
    .join('; ')
  throw new HttpError(422, error, detail)
}
