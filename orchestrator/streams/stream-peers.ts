/**
 * Who is in a stream's swarm, from its collector(s): the one function behind both
 * `GET /streams/{id}/peers` and the Streams page's server-rendered Peers tab, so the two always
 * show the same peers and the same errors.
 *
 * @example
 * const streamPeers = createStreamPeers({ store, runtime, collector })
 * const r = await streamPeers(id) // throws HttpError 404/409/5xx for one collector's failures
 * if (r.ok) return c.json(r.answer)
 */
import type { PeersAnswer } from '../../lib/contract/peers.ts'
import { HttpError } from '../../lib/http-error.ts'
import { UpstreamError, type CollectorClient } from '../collector-client.ts'
import { askCollectors, type CollectorStatus, type FanoutResult } from '../collector-fanout.ts'
import { splitCollectorUrls } from '../collector-url.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from './store.ts'
import { streamSwarmIdentifier } from './stream-trackers.ts'

export interface StreamPeersDeps {
  store: Pick<StreamStore, 'get'>
  runtime: Pick<RuntimeSettingsStore, 'get'>
  collector: CollectorClient
}

/** The answer, or (several collectors, none answered) the error body with its status. */
export type StreamPeersOutcome =
  | { ok: true; answer: PeersAnswer & { stream_id: string; collectors?: CollectorStatus[] } }
  | Extract<FanoutResult, { ok: false }>

export type StreamPeers = (id: string) => Promise<StreamPeersOutcome>

export function createStreamPeers(deps: StreamPeersDeps): StreamPeers {
  return async function streamPeers(id: string): Promise<StreamPeersOutcome> {
    const stream = deps.store.get(id)
    if (!stream) {
      throw new HttpError(404, 'stream not found', `no stream with id ${JSON.stringify(id)}`)
    }
    const settings = deps.runtime.get()
    if (!settings.PEER_COLLECTOR_ENABLED) {
      throw new HttpError(
        409,
        'peer collection disabled',
        'enable it under Settings > Peer Collector (PATCH /config/runtime PEER_COLLECTOR_ENABLED)',
      )
    }
    const urls = splitCollectorUrls(settings.PEER_COLLECTOR_URL)
    if (urls.length === 0) {
      throw new HttpError(
        409,
        'peer collector URL not set',
        'set PEER_COLLECTOR_URL under Settings > Peer Collector',
      )
    }
    if (!stream.infohash) {
      throw new HttpError(
        409,
        'infohash unknown',
        stream.last_error
          ? `the engine has not reported this stream's infohash yet (last poll: ${stream.last_error.message})`
          : "the engine has not reported this stream's infohash yet; retry after the next poll",
      )
    }
    // A magnet with the stream's own trackers when any are known, else the bare infohash.
    const swarm = await streamSwarmIdentifier({ ...stream, infohash: stream.infohash })
    if (urls.length === 1) {
      try {
        const answer = await deps.collector.getPeers(urls[0]!, swarm, settings.CACHE_TTL_SECONDS)
        return { ok: true, answer: { ...answer, stream_id: stream.id } }
      } catch (err) {
        throw collectorHttpError(err)
      }
    }
    // Several collectors (one per VPN): merged, from whichever answered.
    const r = await askCollectors(deps.collector, urls, swarm, {
      maxAgeSeconds: settings.CACHE_TTL_SECONDS,
      infohash: stream.infohash,
    })
    return r.ok ? { ok: true, answer: { ...r.answer, stream_id: stream.id } } : r
  }
}

/** Maps a collector failure to the answer a client can act on: 503, 504 or 502. */
export function collectorHttpError(err: unknown): Error {
  if (!(err instanceof UpstreamError)) return err instanceof Error ? err : new Error(String(err))
  switch (err.kind) {
    case 'unreachable':
      return new HttpError(503, 'peer collector unavailable', err.message, { 'Retry-After': '10' })
    case 'timeout':
      return new HttpError(504, 'peer collector timed out', err.message)
    case 'bad_answer':
      return new HttpError(502, 'peer collector answered badly', err.message)
  }
}
