import type { PeersAnswer } from '../collector/types.ts'
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
   * `GET <base>/peers/<infohash>?max_age=<maxAgeSeconds>`. Throws UpstreamError: `unreachable`,
   * `timeout`, or `bad_answer` (non-2xx, not JSON, not a peers answer).
   */
  getPeers(baseUrl: string, infohash: string, maxAgeSeconds: number): Promise<PeersAnswer>
  /** `GET <base>/health`; the JSON object on 2xx, else throws like getPeers. */
  getHealth(baseUrl: string): Promise<Record<string, unknown>>
}

/**
 * Talks to the peer collector (collector/, inside the VPN). Takes the base URL per call
 * because the runtime settings can change it at any time.
 *
 * @example
 * const collector = createCollectorClient({ peersTimeoutMs: 30_000, healthTimeoutMs: 10_000 })
 * const answer = await collector.getPeers('http://gluetun:8080', infohash, 30)
 */
export function createCollectorClient(opts: CollectorClientOptions): CollectorClient {
  return {
    async getPeers(baseUrl, infohash, maxAgeSeconds) {
      const url = `${trimBase(baseUrl)}/peers/${encodeURIComponent(infohash)}?max_age=${maxAgeSeconds}`
      const { status, body } = await fetchJson(url, { timeoutMs: opts.peersTimeoutMs })
      if (status < 200 || status >= 300) throw badStatus(status, body)
      if (!isPeersAnswer(body)) {
        throw new UpstreamError('bad_answer', 'collector answer is not a peers answer', status)
      }
      return body
    },

    async getHealth(baseUrl) {
      const { status, body } = await fetchJson(`${trimBase(baseUrl)}/health`, {
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

function trimBase(u: string): string {
  return u.replace(/\/+$/, '')
}

function badStatus(status: number, body: unknown): UpstreamError {
  const b = body as { error?: unknown; detail?: unknown } | null
  const said = b && typeof b === 'object' ? (b.detail ?? b.error) : undefined
  const text = typeof said === 'string' ? `: ${said.slice(0, 200)}` : ''
  return new UpstreamError('bad_answer', `collector answered HTTP ${status}${text}`, status)
}

function isPeersAnswer(v: unknown): v is PeersAnswer {
  if (typeof v !== 'object' || v === null) return false
  const a = v as Record<string, unknown>
  return Array.isArray(a.peers) && typeof a.peer_count === 'number'
}
