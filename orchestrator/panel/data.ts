/**
 * What the panel's page handlers read. Streams, history and settings come straight from the
 * orchestrator's in-process stores; the peer list goes through the API app in-process, so the
 * page shows exactly what `GET /streams/{id}/peers` would (same errors, same collector client).
 *
 * @example
 * const data = createPanelData({ store, runtime, api: app })
 */
import { redactSettings } from '../api/runtime-config.ts'
import type { RuntimeSettingsStore } from '../runtime-settings.ts'
import type { StreamStore } from '../streams/store.ts'
import type {
  ActiveAlert,
  LoopingStream,
  PeersResult,
  RuntimeSettings,
  StatSnapshot,
  StreamPeers,
  StreamView,
} from '../../utils/types.ts'

export interface PanelData {
  listStreams(): Promise<StreamView[]>
  history(id: string): Promise<StatSnapshot[]>
  runtimeSettings(): Promise<RuntimeSettings>
  peers(id: string, signal?: AbortSignal): Promise<PeersResult>
  /** `GET /looping-streams`, in-process; absent where the app has no Loop Detection. */
  looping?(): Promise<LoopingStream[]>
  /** `GET /alerts`, in-process; absent where the app has no alerts. */
  alerts?(): Promise<ActiveAlert[]>
}

/** Anything that answers a Request in-process, such as a Hono app (`app.request`). */
export interface InProcessApi {
  request(path: string, init?: RequestInit): Response | Promise<Response>
}

export interface PanelDataOptions {
  store: Pick<StreamStore, 'list' | 'history'>
  runtime: Pick<RuntimeSettingsStore, 'get'>
  api: InProcessApi
}

export function createPanelData(opts: PanelDataOptions): PanelData {
  return {
    listStreams: async () => opts.store.list(),
    history: async (id) => opts.store.history(id) ?? [],
    // The settings page is readable without a key: it shows what GET /config/runtime shows.
    runtimeSettings: async () => redactSettings(opts.runtime.get()),
    peers: (id, signal) => readPeers(opts.api, id, signal),
    alerts: async () => {
      const res = await opts.api.request('/alerts', { headers: { accept: 'application/json' } })
      return res.ok ? ((await res.json()) as ActiveAlert[]) : []
    },
    looping: async () => {
      const res = await opts.api.request('/looping-streams', {
        headers: { accept: 'application/json' },
      })
      if (!res.ok) return []
      return ((await res.json()) as { streams?: LoopingStream[] }).streams ?? []
    },
  }
}

async function readPeers(
  api: InProcessApi,
  id: string,
  signal?: AbortSignal,
): Promise<PeersResult> {
  const init: RequestInit = { headers: { accept: 'application/json' } }
  if (signal) init.signal = signal
  try {
    const res = await api.request(`/streams/${encodeURIComponent(id)}/peers`, init)
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
    if (res.ok) return { ok: true, value: body as unknown as StreamPeers }
    const problem: PeersResult & { ok: false } = {
      ok: false,
      problem: {
        status: res.status,
        error: typeof body.error === 'string' ? body.error : `HTTP ${res.status}`,
      },
    }
    if (typeof body.detail === 'string') problem.problem.detail = body.detail
    return problem
  } catch (err) {
    return {
      ok: false,
      problem: { status: 0, error: 'peer list unavailable', detail: String(err) },
    }
  }
}
