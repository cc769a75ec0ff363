/**
 * Tracker side of discovery for one swarm: one bittorrent-tracker Client per announce URL (so each
 * answer and failure is attributable), wrapped once into promises. `announce()` resolves when
 * every tracker answered or failed, or the timeout passed; peers stream to `onPeer` meanwhile,
 * including from the client's own re-announces at the tracker's interval.
 *
 * @example
 * const t = createTrackerSession({ infohash, urls, peerId, port, onPeer, log })
 * const round = await t.announce({ timeoutMs: 5000 })
 * await t.stop() // announces `stopped`, releases sockets
 */
import Client from 'bittorrent-tracker/client'
import type { Logger } from '../../lib/log.ts'
import type { TrackerState } from '../types.ts'

export interface TrackerPeer {
  ip: string
  port: number
  tracker: string
}

export interface TrackerCounts {
  seeders: number
  leechers: number
}

export interface TrackerSessionOptions {
  infohash: string
  urls: string[]
  /** 40-hex peer id of this collector. */
  peerId: string
  /** Port announced to trackers; trackers may hand it back as a peer (see isSelf). */
  port: number
  onPeer: (peer: TrackerPeer) => void
  /** How each announce ended: answered (our rounds and the library's own re-announces), failed, or timed out. */
  onOutcome?: (url: string, outcome: AnnounceOutcome) => void
  log: Logger
}

export type AnnounceOutcome = 'ok' | 'error' | 'timeout'

export interface TrackerStatus {
  url: string
  ok: boolean | null
  error?: string
  seeders?: number
  leechers?: number
  answeredAt?: number
}

export interface TrackerSession {
  /**
   * One announce round (first one `started`); resolves when all trackers answered or failed.
   * A tracker that answered less than `minIntervalMs` ago is skipped (trackers ban clients that
   * announce too often; the library also re-announces at each tracker's own interval).
   */
  announce(opts: {
    timeoutMs: number
    signal?: AbortSignal
    minIntervalMs?: number
  }): Promise<TrackerStatus[]>
  /** Best seeder/leecher counts known (max over trackers), or null when none answered. */
  counts(): TrackerCounts | null
  status(): TrackerStatus[]
  /** Announces `stopped` and releases everything; safe to call twice. */
  stop(): Promise<void>
}

// Ask for as many peers as trackers give: UDP trackers cap at ~80, HTTP ones vary.
const NUMWANT = 200
// Scrape only after announcing, and not more often than this (announce already carries counts).
const SCRAPE_MIN_INTERVAL_MS = 60_000

interface PerTracker {
  url: string
  client: Client
  status: TrackerStatus
  /** Resolves the pending announce round for this tracker. */
  waiter: (() => void) | null
  lastScrape: number
}

export function createTrackerSession(opts: TrackerSessionOptions): TrackerSession {
  let started = false
  let stopping: Promise<void> | undefined

  const trackers: PerTracker[] = opts.urls.map((url) => {
    const client = new Client({
      infoHash: opts.infohash,
      peerId: opts.peerId,
      announce: [url],
      port: opts.port,
      wrtc: false,
    })
    const t: PerTracker = { url, client, status: { url, ok: null }, waiter: null, lastScrape: 0 }
    const settle = () => {
      const w = t.waiter
      t.waiter = null
      w?.()
    }
    client.on('peer', (addr: string) => {
      const peer = parseAddr(addr)
      if (peer) opts.onPeer({ ...peer, tracker: url })
    })
    client.on('update', (data: { complete?: number; incomplete?: number }) => {
      t.status = { url, ok: true, answeredAt: Date.now(), ...counts(data) }
      opts.onOutcome?.(url, 'ok')
      settle()
    })
    client.on('scrape', (data: { complete?: number; incomplete?: number }) => {
      t.status = { ...t.status, ...counts(data) }
    })
    const onFailure = (err: Error) => {
      opts.log.debug('tracker failed', { url, err })
      // A warning after a good answer (e.g. a tracker's "warning message") is not a failure.
      if (t.waiter) {
        t.status = { ...t.status, url, ok: false, error: err.message }
        opts.onOutcome?.(url, 'error')
        settle()
      }
    }
    client.on('warning', onFailure)
    client.on('error', onFailure)
    return t
  })

  function roundFor(t: PerTracker, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      timer = setTimeout(() => {
        if (t.waiter === done) {
          t.waiter = null
          t.status = { ...t.status, ok: false, error: 'timed out' }
          opts.onOutcome?.(t.url, 'timeout')
        }
        done()
      }, timeoutMs)
      timer.unref()
      signal?.addEventListener('abort', done, { once: true })
      // A newer round supersedes an unanswered older one; the older resolves now.
      t.waiter?.()
      t.waiter = done
    })
  }

  return {
    async announce({ timeoutMs, signal, minIntervalMs = 0 }) {
      if (stopping || trackers.length === 0) return []
      const first = !started
      started = true
      const now = Date.now()
      const due = trackers.filter(
        (t) => first || !t.status.ok || now - (t.status.answeredAt ?? 0) >= minIntervalMs,
      )
      const rounds = due.map((t) => {
        const p = roundFor(t, timeoutMs, signal)
        if (first) t.client.start({ numwant: NUMWANT })
        else t.client.update({ numwant: NUMWANT })
        return p.then(() => {
          if (t.status.ok && Date.now() - t.lastScrape > SCRAPE_MIN_INTERVAL_MS && !stopping) {
            t.lastScrape = Date.now()
            // HTTP trackers without a scrape URL emit 'error'; onFailure ignores it (no waiter).
            t.client.scrape()
          }
        })
      })
      await Promise.all(rounds)
      return trackers.map((t) => ({ ...t.status }))
    },

    counts() {
      let best: TrackerCounts | null = null
      for (const { status } of trackers) {
        if (status.seeders === undefined || status.leechers === undefined) continue
        if (!best || status.seeders + status.leechers > best.seeders + best.leechers)
          best = { seeders: status.seeders, leechers: status.leechers }
      }
      return best
    },

    status: () => trackers.map((t) => ({ ...t.status })),

    stop() {
      stopping ??= Promise.all(
        trackers.map(
          (t) =>
            new Promise<void>((resolve) => {
              t.waiter?.()
              t.waiter = null
              if (started) t.client.stop({ numwant: 0 })
              // destroy() lets the `stopped` announce finish (up to the library's 1 s), then frees.
              t.client.destroy(() => resolve())
            }),
        ),
      ).then(() => undefined)
      return stopping
    },
  }
}

/** A tracker's status as the answer shows it; `url` is the one the user gave (not a pinned one). */
export function trackerState(
  t: TrackerStatus | undefined,
  origin: 'configured' | 'stream',
  url: string,
): TrackerState {
  const out: TrackerState = {
    url: url.slice(0, 512),
    origin,
    status: !t || t.ok === null ? 'pending' : t.ok ? 'ok' : 'error',
  }
  if (t?.ok === false && t.error) out.reason = t.error.slice(0, 512)
  if (t?.seeders !== undefined) out.seeders = t.seeders
  if (t?.leechers !== undefined) out.leechers = t.leechers
  return out
}

function counts(data: { complete?: number; incomplete?: number }): Partial<TrackerStatus> {
  const out: Partial<TrackerStatus> = {}
  if (typeof data.complete === 'number') out.seeders = data.complete
  // The tracker counts our own announce (never complete) among the leechers.
  if (typeof data.incomplete === 'number') out.leechers = Math.max(0, data.incomplete - 1)
  return out
}

/** `1.2.3.4:5678` or `[::1]:5678` from the tracker client. */
export function parseAddr(addr: string): { ip: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr)
  if (!m) return undefined
  const port = Number(m[3])
  if (!(port > 0 && port < 65536)) return undefined
  return { ip: (m[1] ?? m[2]) as string, port }
}
