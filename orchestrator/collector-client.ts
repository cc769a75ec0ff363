import { ContractError, parsePeersAnswer, type PeersAnswer } from '../lib/contract/peers.ts'
import { collectorRequestUrl, CollectorUrlError } from './collector-url.ts'
import { fetchJson, UpstreamError } from './upstream-fetch.ts'

export { UpstreamError } from './upstream-fetch.ts'

export interface CollectorClientOptions {
  /** Timeout of GET /peers (the collector may wait for discovery before answering). */
  peersTimeoutMs: number
  /** Timeout of GET /health. */
  healthTimeoutMs: number
}

export interface CollectorClient {
  /**
   * `GET <base>/peers/<swarm>?max_age=<maxAgeSeconds>`, validated against the peers contract.
   * `swarm` is an infohash, or a magnet carrying the stream's trackers (sent percent-encoded as
   * one path segment). Throws UpstreamError: `unreachable` (also when `signal` aborts),
   * `timeout`, or `bad_answer` (non-2xx, not JSON, not a peers answer, with the bad field named).
   */
  getPeers(
    baseUrl: string,
    swarm: string,
    maxAgeSeconds: number,
    opts?: { signal?: AbortSignal },
  ): Promise<PeersAnswer>
  /** `GET <base>/health`; the JSON object on 2xx, else throws like getPeers. */
  getHealth(baseUrl: string): Promise<Record<string, unknown>>
}

/**
 * Talks to the peer collector (collector/, inside the VPN). Takes the base URL per call
 * because the runtime settings can change it at any time; request URLs are built by
 * collectorRequestUrl, so they are exactly `<base>/peers/<id>` and `<base>/health`.
 *
 * @example
 * const collector = createCollectorClient({ peersTimeoutMs: 30_000, healthTimeoutMs: 10_000 })
 * const answer = await collector.getPeers('http://gluetun:8080', infohash, 30)
 */
export function createCollectorClient(opts: CollectorClientOptions): CollectorClient {
  return {
    async getPeers(baseUrl, swarm, maxAgeSeconds, call = {}) {
      const url = requestUrl(baseUrl, ['peers', swarm], { max_age: String(maxAgeSeconds) })
      const { status, body } = await fetchJson(url, {
        timeoutMs: opts.peersTimeoutMs,
        signal: call.signal,
      })
      if (status < 200 || status >= 300) throw badStatus(status, body)
      try {
        return parsePeersAnswer(body)
      } catch (err) {
        if (!(err instanceof ContractError)) throw err
        throw new UpstreamError(
          'bad_answer',
          `collector answer is not a peers answer: ${err.message}`,
          status,
        )
      }
    },

    async getHealth(baseUrl) {
      const { status, body } = await fetchJson(requestUrl(baseUrl, ['health']), {
        timeoutMs: opts.healthTimeoutMs,
        maxBytes: 256 * 1024,
      })
      if (status < 200 || status >= 300) throw badStatus(status, body)
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new UpstreamError(
          'bad_answer',
          'collector health answer is not a JSON object',
          status,
        )
      }
      return body as Record<string, unknown>
    },
  }
}

function requestUrl(base: string, segments: string[], query?: Record<string, string>): string {
  try {
    return collectorRequestUrl(base, segments, query).href
  } catch (err) {
    // Settings are checked when they are saved; this only guards callers that skipped that.
    if (err instanceof CollectorUrlError) {
      throw new UpstreamError('unreachable', `collector URL refused: ${err.message}`)
    }
    throw err
  }
}

function badStatus(status: number, body: unknown): UpstreamError {
  const b = body as { error?: unknown; detail?: unknown } | null
  const said = b && typeof b === 'object' ? (b.detail ?? b.error) : undefined
  const text = typeof said === 'string' ? `: ${said.slice(0, 200)}` : ''
  return new UpstreamError('bad_answer', `collector answered HTTP ${status}${text}`, status)
}
