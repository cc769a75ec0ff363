/**
 * Asks several collectors (one per VPN) for one swarm in parallel and answers from whichever
 * are up: their answers merged (see peers-merge.ts) with a `collectors` list saying how each
 * fared, or, when none answered, the error a single collector would have given.
 *
 * @example
 * const r = await askCollectors(collector, ['http://gluetun:8080', 'http://gluetun-2:8080'], ih, { maxAgeSeconds: 30, infohash: ih })
 * if (r.ok) return c.json({ ...r.answer, stream_id })
 */
import type { PeersAnswer } from '../lib/contract/peers.ts'
import { UpstreamError, type CollectorClient } from './collector-client.ts'
import { redactUrl } from './collector-url.ts'
import { mergePeersAnswers } from './peers-merge.ts'

/**
 * Once one collector has answered, the others get this much longer: a collector that hangs
 * (its VPN half up) must not hold the merged answer for the whole request timeout.
 */
export const FANOUT_GRACE_MS = 3000

/** How one collector fared, as the merged answer lists it. */
export interface CollectorStatus {
  /** The collector's URL, user name and password (if any) hidden. */
  url: string
  ok: boolean
  /** The error title a single collector would have given (e.g. `peer collector unavailable`). */
  error?: string
  detail?: string
}

export type FanoutResult =
  | { ok: true; answer: PeersAnswer & { collectors: CollectorStatus[] } }
  | {
      ok: false
      status: 502 | 503 | 504
      headers: Record<string, string>
      body: { error: string; detail: string; collectors: CollectorStatus[] }
    }

export interface FanoutOptions {
  maxAgeSeconds: number
  /** The swarm the stream is in; an answer about another swarm is refused. */
  infohash: string
  graceMs?: number
}

const ERRORS = {
  unreachable: { status: 503, error: 'peer collector unavailable' },
  timeout: { status: 504, error: 'peer collector timed out' },
  bad_answer: { status: 502, error: 'peer collector answered badly' },
} as const
/** When every collector failed, differently: a broken answer says most, then a timeout. */
const PRIORITY = ['bad_answer', 'timeout', 'unreachable'] as const

export async function askCollectors(
  collector: CollectorClient,
  urls: string[],
  swarm: string,
  opts: FanoutOptions,
): Promise<FanoutResult> {
  const graceMs = opts.graceMs ?? FANOUT_GRACE_MS
  const late = new AbortController()
  let graceTimer: NodeJS.Timeout | undefined
  const startGrace = () => {
    if (graceTimer) return
    graceTimer = setTimeout(() => late.abort(), graceMs)
    graceTimer.unref()
  }
  type Outcome = { url: string; answer: PeersAnswer } | { url: string; err: UpstreamError }
  try {
    const outcomes = await Promise.all(
      urls.map(async (url): Promise<Outcome> => {
        try {
          const answer = await collector.getPeers(url, swarm, opts.maxAgeSeconds, {
            signal: late.signal,
          })
          if (answer.infohash !== null && answer.infohash !== opts.infohash) {
            throw new UpstreamError('bad_answer', 'collector answered about another swarm')
          }
          startGrace()
          return { url, answer }
        } catch (err) {
          if (!(err instanceof UpstreamError)) throw err
          if (late.signal.aborted)
            return {
              url,
              err: new UpstreamError(
                'timeout',
                `no answer within ${graceMs} ms after another collector answered`,
              ),
            }
          return { url, err }
        }
      }),
    )
    const statuses: CollectorStatus[] = outcomes.map((o) => {
      const label = redactUrl(o.url) ?? ''
      if ('answer' in o) return { url: label, ok: true }
      return { url: label, ok: false, error: ERRORS[o.err.kind].error, detail: o.err.message }
    })
    const answered = outcomes.flatMap((o) =>
      'answer' in o ? [{ label: redactUrl(o.url) ?? '', answer: o.answer }] : [],
    )
    if (answered.length > 0)
      return { ok: true, answer: { ...mergePeersAnswers(answered), collectors: statuses } }

    const kinds = outcomes.map((o) => ('err' in o ? o.err.kind : 'unreachable'))
    const kind = PRIORITY.find((k) => kinds.includes(k)) ?? 'unreachable'
    const { status, error } = ERRORS[kind]
    return {
      ok: false,
      status,
      headers: kind === 'unreachable' ? { 'Retry-After': '10' } : {},
      body: {
        error,
        detail: statuses.map((s) => `${s.url}: ${s.detail}`).join('; '),
        collectors: statuses,
      },
    }
  } finally {
    clearTimeout(graceTimer)
  }
}
