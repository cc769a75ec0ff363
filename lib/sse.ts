/**
 * Serves one feed subscriber as server-sent events with Hono's `streamSSE`: its messages in
 * order, a `heartbeat` event when nothing was sent for the heartbeat period, and the end of the
 * stream when the feed closes or drops the subscriber. A dropped subscriber's socket is
 * destroyed: a watcher that stopped reading must not keep the server's memory.
 *
 * @example
 * app.get('/x/events', (c) => serveFeed(c, feed.subscribe(lastEventId(c)), heartbeatMs(c)))
 */
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import {
  HEARTBEAT_DEFAULT_S,
  HEARTBEAT_MAX_S,
  HEARTBEAT_MIN_S,
  PEER_EVENT,
} from './contract/peer-events.ts'
import { HttpError } from './http-error.ts'
import type { FeedSubscriber } from './peer-feed.ts'

/** The heartbeat period a client asked for with `?heartbeat=<seconds>`, within the bounds. */
export function heartbeatMs(c: Context): number {
  const raw = c.req.query('heartbeat')
  if (raw === undefined || raw === '') return HEARTBEAT_DEFAULT_S * 1000
  const n = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || n < HEARTBEAT_MIN_S || n > HEARTBEAT_MAX_S)
    throw new HttpError(
      400,
      'invalid heartbeat',
      `expected seconds between ${HEARTBEAT_MIN_S} and ${HEARTBEAT_MAX_S}, got "${raw}"`,
    )
  return Math.round(n * 1000)
}

/** The id a reconnecting EventSource sends (header), or `?last_event_id=` for other clients. */
export function lastEventId(c: Context): string | undefined {
  const v = c.req.header('last-event-id') ?? c.req.query('last_event_id')
  return v && v.length <= 64 ? v : undefined
}

export function serveFeed(
  c: Context,
  sub: FeedSubscriber,
  heartbeatEveryMs: number,
  onClose?: () => void,
): Response {
  c.header('X-Accel-Buffering', 'no') // nginx would otherwise hold events back
  return streamSSE(c, async (stream) => {
    const stop = () => sub.close()
    stream.onAbort(stop)
    c.req.raw.signal.addEventListener('abort', stop, { once: true })
    // A write to a watcher that stopped reading never finishes; dropping it must not wait.
    void sub.whenClosed.then(() => {
      if (!sub.dropped) return
      dropConnection(c)
      stream.abort()
    })
    try {
      // A comment first, so proxies and clients see the stream open before the first event.
      await stream.write(': open\n\n')
      for (;;) {
        const msg = await sub.next(heartbeatEveryMs)
        if (msg === null) break
        if (msg === 'idle') {
          await stream.writeSSE({
            event: PEER_EVENT.heartbeat,
            data: JSON.stringify({ as_of: new Date().toISOString() }),
          })
        } else await stream.writeSSE(msg)
        if (stream.aborted) break
      }
    } finally {
      sub.close()
      c.req.raw.signal.removeEventListener('abort', stop)
      onClose?.()
    }
  })
}

/** Ends the client's connection at once (node-server gives us the socket; elsewhere no-op). */
function dropConnection(c: Context) {
  const env = c.env as { outgoing?: { destroy(): void } } | undefined
  try {
    env?.outgoing?.destroy()
  } catch {
    // already gone
  }
}
