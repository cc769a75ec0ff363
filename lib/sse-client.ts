/**
 * Reads a server-sent events stream over fetch (headers, abort and a byte bound, which the
 * browser's EventSource lacks), parsed by `eventsource-parser`. Resolves when the stream ends;
 * rejects when it cannot open (non-2xx, not `text/event-stream`), when one event grows past
 * `maxEventBytes`, when `idleMs` passes with nothing received (not even a heartbeat), or when
 * `onEvent` throws (the error's message then starts with `bad event:`).
 *
 * @example
 * await readEventStream(`${base}/peers/${ih}/events`, { onOpen, onEvent: (e) => log(e.event, e.data) })
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export interface ReadEventStreamOptions {
  onEvent(message: EventSourceMessage): void
  /** Called once the server answered 2xx with an event stream. */
  onOpen?(): void
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Bytes one event may take before the stream is refused (default 16 MiB). */
  maxEventBytes?: number
  /** No byte for this long ends the stream with an error (default: no limit). */
  idleMs?: number
  /** Time allowed until the response headers arrive (default 10 s). */
  connectTimeoutMs?: number
}

export class EventStreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'EventStreamError'
  }
}

export async function readEventStream(url: string, opts: ReadEventStreamOptions): Promise<void> {
  const maxEventBytes = opts.maxEventBytes ?? 16 * 1024 * 1024
  const ctl = new AbortController()
  const abort = () => ctl.abort()
  opts.signal?.addEventListener('abort', abort, { once: true })
  let idle: ReturnType<typeof setTimeout> | undefined
  let why: string | undefined
  const fail = (reason: string) => {
    why ??= reason
    ctl.abort()
  }
  const armIdle = () => {
    if (!opts.idleMs) return
    clearTimeout(idle)
    idle = setTimeout(() => fail(`nothing received for ${opts.idleMs} ms`), opts.idleMs)
  }
  const connect = setTimeout(() => fail('no answer in time'), opts.connectTimeoutMs ?? 10_000)
  try {
    let res: Response
    try {
      res = await fetch(url, {
        headers: { accept: 'text/event-stream', ...opts.headers },
        signal: ctl.signal,
        cache: 'no-store',
      })
    } catch (err) {
      throw new EventStreamError(why ?? `cannot connect: ${(err as Error).message}`)
    } finally {
      clearTimeout(connect)
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '')
      throw new EventStreamError(`HTTP ${res.status}: ${text.slice(0, 200)}`, res.status)
    }
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body.cancel().catch(() => {})
      throw new EventStreamError('the answer is not an event stream', res.status)
    }
    opts.onOpen?.()
    let pending = 0
    const parser = createParser({
      onEvent(m) {
        pending = 0
        if (why) return
        try {
          opts.onEvent(m)
        } catch (err) {
          fail(`bad event: ${(err as Error).message}`)
        }
      },
    })
    const decoder = new TextDecoder()
    armIdle()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        armIdle()
        pending += chunk.byteLength
        if (pending > maxEventBytes) {
          fail(`an event exceeded ${maxEventBytes} bytes`)
          break
        }
        parser.feed(decoder.decode(chunk, { stream: true }))
      }
    } catch (err) {
      if (opts.signal?.aborted && !why) return
      throw new EventStreamError(why ?? `stream broke: ${(err as Error).message}`)
    }
    if (why) throw new EventStreamError(why)
  } finally {
    clearTimeout(idle)
    clearTimeout(connect)
    opts.signal?.removeEventListener('abort', abort)
  }
}
