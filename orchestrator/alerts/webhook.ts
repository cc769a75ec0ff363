/**
 * Posts alert events to `ALERT_WEBHOOK_URL` as JSON, one at a time, in order. `send` only
 * queues, so polling never waits for a receiver; a failed post is retried with exponential
 * backoff, and a full queue drops its oldest event (counted), so a dead receiver costs bounded
 * memory.
 *
 * @example
 * const webhook = createWebhookSender({ url, log, onOutcome: (o) => metrics.countWebhook(o) })
 * webhook.send({ kind: 'starvation', state: 'firing', ... })
 * await webhook.close()
 */
import { sleep } from '../../lib/deadline.ts'
import type { Logger } from '../../lib/log.ts'
import { safeUrlLabel } from '../../lib/metrics.ts'

export interface WebhookSenderOptions {
  url: string
  log: Logger
  onOutcome?: (outcome: 'delivered' | 'failed' | 'dropped') => void
  /** Events waiting at most (default 100). */
  maxQueue?: number
  /** Tries per event (default 5). */
  attempts?: number
  /** First retry delay; each next one doubles (default 1000 ms). */
  backoffMs?: number
  /** Timeout of one POST (default 5000 ms). */
  timeoutMs?: number
}

export interface WebhookSender {
  send(payload: unknown): void
  /** Events waiting or in flight. */
  pending(): number
  /** Stops sending; what is still queued is dropped. */
  close(): Promise<void>
}

export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const maxQueue = opts.maxQueue ?? 100
  const attempts = opts.attempts ?? 5
  const backoffMs = opts.backoffMs ?? 1000
  const timeoutMs = opts.timeoutMs ?? 5000
  // Only the origin is ever logged: webhook URLs often carry a secret in their path.
  const target = safeUrlLabel(opts.url)
  const queue: unknown[] = []
  const stop = new AbortController()
  let running: Promise<void> | undefined

  async function post(payload: unknown): Promise<void> {
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'acestream-orchestrator' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
    })
    await res.arrayBuffer().catch(() => undefined)
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`)
  }

  async function deliver(payload: unknown): Promise<void> {
    for (let i = 0; i < attempts; i++) {
      if (stop.signal.aborted) return
      try {
        await post(payload)
        opts.onOutcome?.('delivered')
        return
      } catch (err) {
        if (stop.signal.aborted) return
        if (i === attempts - 1) {
          opts.log.warn('alert webhook failed; giving up on this event', {
            target,
            attempts,
            error: (err as Error).message,
          })
          opts.onOutcome?.('failed')
          return
        }
        await sleep(backoffMs * 2 ** i, stop.signal)
      }
    }
  }

  async function drain(): Promise<void> {
    while (queue.length && !stop.signal.aborted) await deliver(queue.shift())
    running = undefined
  }

  return {
    send(payload) {
      if (stop.signal.aborted) return
      if (queue.length >= maxQueue) {
        queue.shift()
        opts.onOutcome?.('dropped')
        opts.log.warn('alert webhook queue full; dropped the oldest event', { target, maxQueue })
      }
      queue.push(payload)
      running ??= drain()
    },
    pending: () => queue.length + (running ? 1 : 0),
    async close() {
      stop.abort()
      queue.length = 0
      await running
    },
  }
}
