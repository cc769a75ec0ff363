/**
 * One way to call an upstream HTTP service (engine or collector) and get JSON back, with the
 * three failure kinds kept apart because callers answer each differently: nothing listening
 * (`unreachable`), no answer in time (`timeout`), or an answer we cannot use (`bad_answer`).
 */

export type UpstreamFailure = 'unreachable' | 'timeout' | 'bad_answer'

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    /** HTTP status of the upstream answer, when there was one. */
    readonly status?: number,
  ) {
    super(message)
    this.name = 'UpstreamError'
  }
}

export interface FetchJsonOptions {
  timeoutMs: number
  /** Cancels the request early (e.g. on shutdown); reported as `unreachable`. */
  signal?: AbortSignal
  /** Largest body accepted; a bigger one is a bad answer, so a broken upstream cannot fill memory. */
  maxBytes?: number
}

export interface JsonAnswer {
  status: number
  body: unknown
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024

/**
 * GET `url` and parse its JSON body. Any HTTP status is returned (callers decide what a 4xx
 * means); a non-JSON body, an oversized body or a redirect throws `bad_answer`.
 *
 * @example
 * const { status, body } = await fetchJson('http://127.0.0.1:6878/ace/stat/x/y', { timeoutMs: 3000 })
 */
export async function fetchJson(url: string, opts: FetchJsonOptions): Promise<JsonAnswer> {
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout
  let res: Response
  try {
    // Redirects are not followed: an engine or collector never needs one, and following them
    // would let a configured URL bounce the server somewhere else.
    res = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } })
  } catch (err) {
    throw classify(err, timeout, url, opts.timeoutMs)
  }
  let text: string
  try {
    text = await readBounded(res, opts.maxBytes ?? DEFAULT_MAX_BYTES)
  } catch (err) {
    if (err instanceof UpstreamError) throw err
    throw classify(err, timeout, url, opts.timeoutMs)
  }
  if (res.status >= 300 && res.status < 400) {
    throw new UpstreamError('bad_answer', `unexpected redirect (HTTP ${res.status})`, res.status)
  }
  try {
    return { status: res.status, body: JSON.parse(text) as unknown }
  } catch {
    throw new UpstreamError(
      'bad_answer',
      `HTTP ${res.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
      res.status,
    )
  }
}

function classify(
  err: unknown,
  timeout: AbortSignal,
  url: string,
  timeoutMs: number,
): UpstreamError {
  if (timeout.aborted) return new UpstreamError('timeout', `no answer within ${timeoutMs} ms`)
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (err as { name?: string }).name ?? 'error'
  let host = url
  try {
    host = new URL(url).host
  } catch {
    // keep the raw text
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED') {
    // The connection opened and then broke mid-answer: something is there, but not usable.
    return new UpstreamError('bad_answer', `connection to ${host} broke mid-answer (${code})`)
  }
  return new UpstreamError('unreachable', `cannot reach ${host} (${code})`)
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel()
    throw new UpstreamError('bad_answer', `answer larger than ${maxBytes} bytes`, res.status)
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new UpstreamError('bad_answer', `answer larger than ${maxBytes} bytes`, res.status)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
