/**
 * The JSON shapes the panel reads from the orchestrator API (reference B4, B5, B6). Browser-safe:
 * islands import these, so nothing here may pull in Node code.
 */
import type { ErrorBody } from '../lib/contract/errors.ts'
import type { PeersAnswer, PeerView } from '../lib/contract/peers.ts'
import type { StatSnapshot, StreamPage, StreamRow, StreamState } from '../lib/contract/streams.ts'

/** One row of `GET /streams` (speeds in KB/s as the engine reports them, totals in bytes). */
export type StreamView = StreamState

export type { StatSnapshot }

/** `GET /streams?limit=&offset=&q=`: one page of streams, active first, with totals. */
export type StreamPageView = StreamPage<StreamView>
export type { StreamSummary } from '../lib/contract/streams.ts'

export type PeerRow = Partial<PeerView> & { ip: string; port: number }

/**
 * `GET /streams/{id}/peers`: the collector's answer (the shared contract, validated by the
 * orchestrator before it gets here) plus `stream_id`. Fields the table can do without are
 * optional, so sample data and older collectors fit too.
 */
export type StreamPeers = Pick<PeersAnswer, 'infohash' | 'peer_count'> &
  Partial<
    Pick<
      PeersAnswer,
      'total_peers' | 'cached_at' | 'error' | 'discovering' | 'seeders' | 'leechers'
    >
  > & {
    stream_id: string
    peers: PeerRow[]
  }

/** What a failed API call said: the service's `{ error, detail }` plus the HTTP status. */
export interface ApiProblem extends ErrorBody {
  status: number
}

/** A peers tab's content: the answer, or the reason there is none. */
export type PeersResult = { ok: true; value: StreamPeers } | { ok: false; problem: ApiProblem }

/** One entry of `GET /alerts`. */
export type { ActiveAlert } from '../lib/contract/operations.ts'

/** One entry of `GET /looping-streams`. */
export type { LoopingStream } from '../lib/contract/operations.ts'

/** `GET /config/runtime`. */
export type { RuntimeSettings } from '../lib/contract/runtime-settings.ts'

/** The fields the streams table shows (see the contract's StreamRowSchema). */
export type { StreamRow }

export function toStreamRow(s: StreamView): StreamRow {
  return {
    id: s.id,
    key_type: s.key_type,
    key: s.key,
    container_id: s.container_id,
    is_live: s.is_live,
    started_at: s.started_at,
    ended_at: s.ended_at,
    status: s.status,
    peers: s.peers,
    speed_down: s.speed_down,
    speed_up: s.speed_up,
    last_error: s.last_error?.message ?? null,
    name: s.id === `${s.key}|${s.playback_session_id}` ? null : s.id,
  }
}
