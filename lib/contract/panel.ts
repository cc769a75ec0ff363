/**
 * What the orchestrator hands the dashboard's pages, and the peer-list shapes both sides share:
 * the page handlers in `routes/` read a `PanelData`, the orchestrator builds one from its stores
 * and the functions its JSON API calls, and the browser renders the same `PeersResult` it gets
 * from `GET /streams/{id}/peers`. Types and one pure mapping only, so the browser may import it.
 *
 * @example
 * const handler: Handler<StreamsData, PanelContext> = async ({ data, url }) => ({
 *   page: await data.streams({ offset: 0, q: url.searchParams.get('q') ?? undefined }),
 * })
 */
import type { ErrorBody } from './errors.ts'
import type { ActiveAlert, LoopingStream } from './operations.ts'
import type { PeersAnswer, PeerView } from './peers.ts'
import type { RuntimeSettings } from './runtime-settings.ts'
import type { StatSnapshot, StreamPage, StreamRow, StreamState } from './streams.ts'

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

/** The fields the streams table shows of a stream (see the contract's StreamRowSchema). */
export function toStreamRow(s: StreamState): StreamRow {
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

/** Which page of the stream list a page shows (its size is the Streams page's). */
export interface StreamPageQuery {
  offset: number
  /** Case-insensitive text matched against id, key, name, engine and infohash. */
  q?: string
}

/**
 * What the dashboard's page handlers read. Each function is the one the matching JSON route
 * calls, so a page shows what the API would answer (same paging, same errors).
 */
export interface PanelData {
  /** `GET /streams?offset=&q=`: one page of the Streams page's size, active first. */
  streams(query: StreamPageQuery): Promise<StreamPage>
  history(id: string): Promise<StatSnapshot[]>
  /** `GET /config/runtime`, secrets redacted. */
  runtimeSettings(): Promise<RuntimeSettings>
  /** `GET /streams/{id}/peers`, as a result instead of an HTTP answer. */
  peers(id: string): Promise<PeersResult>
  /** `GET /looping-streams`; absent where the app has no Loop Detection. */
  looping?(): Promise<LoopingStream[]>
  /** `GET /alerts`; absent where the app has no alerts. */
  alerts?(): Promise<ActiveAlert[]>
}

export interface PanelOptions {
  /** How often the streams table refreshes itself (ms); the engine poll interval fits well. */
  refreshMs: number
  /** How often an open Peers tab asks again (ms); the original used 10 s. */
  peersRefreshMs: number
  /** Longest a page waits for a peer list it renders on the server (`?peers=<id>`). */
  pagePeersWaitMs: number
  /** Whether the orchestrator requires an API key for changes. */
  apiKeyRequired: boolean
}

/** What a dashboard page's handler is given. */
export interface PanelContext {
  url: URL
  data: PanelData
  options: PanelOptions
  /** Render time (epoch ms), handed to islands so relative times agree after hydration. */
  now: number
}
