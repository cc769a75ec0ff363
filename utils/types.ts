/**
 * The JSON shapes the panel reads from the orchestrator API, all from the shared contract.
 * Browser-safe: islands import these, so nothing here may pull in Node code.
 */
import type { StatSnapshot, StreamPage, StreamRow, StreamState } from '../lib/contract/streams.ts'

/** One row of `GET /streams` (speeds in KB/s as the engine reports them, totals in bytes). */
export type StreamView = StreamState

export type { StatSnapshot }

/** `GET /streams?limit=&offset=&q=`: one page of streams, active first, with totals. */
export type StreamPageView = StreamPage<StreamView>
export type { StreamSummary } from '../lib/contract/streams.ts'

/** A peer row, `GET /streams/{id}/peers`, a failed call and a Peers tab's content. */
export type { ApiProblem, PeerRow, PeersResult, StreamPeers } from '../lib/contract/panel.ts'

/** One entry of `GET /alerts`. */
export type { ActiveAlert } from '../lib/contract/operations.ts'

/** One entry of `GET /looping-streams`. */
export type { LoopingStream } from '../lib/contract/operations.ts'

/** `GET /config/runtime`. */
export type { RuntimeSettings } from '../lib/contract/runtime-settings.ts'

/** The fields the streams table shows (see the contract's StreamRowSchema). */
export type { StreamRow }
