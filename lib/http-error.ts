import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorBody } from './contract/errors.ts'

/**
 * The one error type both services throw for an answer that is the caller's business.
 * `onError` (below) turns it into `{ error, detail? }` JSON with its status.
 *
 * @example
 * throw new HttpError(400, 'invalid identifier', 'expected a 40-hex infohash, got "xyz"')
 */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode
  readonly detail: string | undefined
  readonly headers: Record<string, string>

  constructor(
    status: ContentfulStatusCode,
    error: string,
    detail?: string,
    headers: Record<string, string> = {},
  ) {
    super(error)
    this.name = 'HttpError'
    this.status = status
    this.detail = detail
    this.headers = headers
  }
}

/** The JSON every error answers with; the shape is the shared contract's. */
export type { ErrorBody }

/**
 * Hono `onError` handler: HttpError becomes its JSON body; anything else is logged once and
 * answered generically so internals never leak to callers.
 *
 * @example
 * app.onError(createErrorHandler((err) => log.error('unhandled', { err })))
 */
export function createErrorHandler(logUnexpected: (err: unknown) => void) {
  return function onError(err: Error, c: Context): Response {
    if (err instanceof HttpError) {
      const body: ErrorBody = { error: err.message }
      if (err.detail !== undefined) body.detail = err.detail
      return c.json(body, err.status, err.headers)
    }
    // Hono's own HTTPException (e.g. from bodyLimit) carries a status we should keep.
    const status = (err as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return c.json({ error: err.message || 'bad request' }, status as ContentfulStatusCode)
    }
    logUnexpected(err)
    return c.json({ error: 'internal error' }, 500)
  }
}

/** JSON 404 for unknown API paths, so clients never get an HTML page. */
export function notFoundJson(c: Context): Response {
  return c.json(
    { error: 'not found', detail: `${c.req.method} ${new URL(c.req.url).pathname}` },
    404,
  )
}
