/**
 * What the panel's page handlers read, built from the same stores and functions the JSON API
 * answers from: the stream page is `pageStreams` over the store as in `GET /streams`, the peer
 * list is the `streamPeers` function behind `GET /streams/{id}/peers` (same errors, same
 * collector client), alerts and looping streams are what `GET /alerts` and
 * `GET /looping-streams` list, so a page shows what the API would answer.
 *
 * @example
 * const data = createPanelData({ store, runtime, streamPeers, operations: { alerts, loops } })
 */
import type { PanelData, PeersResult, StreamPeers } from '../../lib/contract/panel.ts'
import { HttpError } from '../../lib/http-error.ts'
import type { Logger } from '../../lib/log.ts'
import type { AlertCenter } from '../alerts/alert-center.ts'
import { redactSettings } from '../api/runtime-config.ts'
import type { LoopDetector } from '../loop-detection/detector.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import { pageStreams, STREAM_PAGE_SIZE } from '../streams/stream-page.ts'
import type { StreamPeers as StreamPeersFn } from '../streams/stream-peers.ts'

export interface PanelDataOptions {
  store: Pick<StreamStore, 'list' | 'history'>
  runtime: Pick<RuntimeSettingsStore, 'get'>
  /** The function `GET /streams/{id}/peers` answers with. */
  streamPeers: StreamPeersFn
  /** Loop Detection and alerts, where the orchestrator runs them (an app without lists none). */
  operations?: PanelOperations | undefined
  log?: Logger
}

export interface PanelOperations {
  alerts: Pick<AlertCenter, 'active'>
  loops: Pick<LoopDetector, 'list'>
}

export function createPanelData(opts: PanelDataOptions): PanelData {
  return {
    streams: async ({ offset, q }) =>
      pageStreams(opts.store.list(), { offset, limit: STREAM_PAGE_SIZE, q }),
    history: async (id) => opts.store.history(id) ?? [],
    // The settings page is readable without a key: it shows what GET /config/runtime shows.
    runtimeSettings: async () => redactSettings(opts.runtime.get()),
    peers: (id) => readPeers(opts, id),
    alerts: async () => opts.operations?.alerts.active() ?? [],
    looping: async () => opts.operations?.loops.list() ?? [],
  }
}

/** The API's answer as a Peers tab's content: the peers, or the error the API would send. */
async function readPeers(opts: PanelDataOptions, id: string): Promise<PeersResult> {
  try {
    const r = await opts.streamPeers(id)
    if (r.ok) return { ok: true, value: r.answer as StreamPeers }
    const { error, detail } = r.body
    return { ok: false, problem: { status: r.status, error, detail } }
  } catch (err) {
    if (err instanceof HttpError) {
      const problem: PeersResult & { ok: false } = {
        ok: false,
        problem: { status: err.status, error: err.message },
      }
      if (err.detail !== undefined) problem.problem.detail = err.detail
      return problem
    }
    // What the API's error handler answers for anything unexpected, logged once as it would be.
    opts.log?.error('unhandled error', { err })
    return { ok: false, problem: { status: 500, error: 'internal error' } }
  }
}
