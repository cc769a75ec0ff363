/**
 * A server-sent events watcher for tests: collects every event (data parsed as JSON) and waits
 * for conditions on them, never on sleeps.
 *
 * @example
 * const w = watchEvents(`${collector.url}/peers/${ih}/events?heartbeat=1`)
 * t.after(() => w.close())
 * const snap = await w.waitFor((e) => e.event === 'snapshot', 10_000)
 */
import { readEventStream } from '../../lib/sse-client.ts'

export interface SeenEvent {
  event: string
  id?: string
  data: any // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Bytes of the event's data as sent. */
  size: number
  at: number
}

export interface EventWatcher {
  events: SeenEvent[]
  /** True once the server answered with an event stream. */
  readonly opened: boolean
  /** Resolves with the first event (after `from`) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (e: SeenEvent) => boolean, timeoutMs: number, from?: number): Promise<SeenEvent>
  /** Resolves when the stream ended (with the error, if any). */
  ended: Promise<Error | null>
  close(): void
}

export function watchEvents(url: string, headers: Record<string, string> = {}): EventWatcher {
  const events: SeenEvent[] = []
  const ctl = new AbortController()
  const waiters = new Set<() => void>()
  let opened = false
  const ended = readEventStream(url, {
    headers,
    signal: ctl.signal,
    onOpen: () => (opened = true),
    onEvent(m) {
      let data: unknown = m.data
      try {
        data = JSON.parse(m.data)
      } catch {
        // keep the text
      }
      events.push({
        event: m.event ?? 'message',
        id: m.id,
        data,
        size: m.data.length,
        at: Date.now(),
      })
      for (const w of [...waiters]) w()
    },
  }).then(
    () => null,
    (err: Error) => err,
  )
  void ended.then(() => {
    for (const w of [...waiters]) w()
  })
  return {
    events,
    get opened() {
      return opened
    },
    ended,
    waitFor(pred, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred)
          if (hit) {
            done()
            resolve(hit)
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.event).join(', ') || 'none'}`,
            ),
          )
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    close: () => ctl.abort(),
  }
}
