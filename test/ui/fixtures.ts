/**
 * Sample streams and peers for the in-process page tests and the UI benchmark: shaped exactly
 * like the orchestrator's API answers, with no network behind them.
 */
import {
  LOOP_DETECTION_DEFAULTS,
  type LoopDetectionSettings,
} from '../../orchestrator/loop-detection/settings.ts'
import type { PanelData } from '../../lib/contract/panel.ts'
import { pageStreams, STREAM_PAGE_SIZE } from '../../orchestrator/streams/stream-page.ts'
import type { PeersResult, RuntimeSettings, StatSnapshot, StreamView } from '../../utils/types.ts'

export function sampleStream(i: number, over: Partial<StreamView> = {}): StreamView {
  const hex = (i * 2654435761).toString(16).padStart(8, '0').repeat(5).slice(0, 40)
  const started = new Date(Date.now() - (i + 1) * 7 * 60_000).toISOString()
  return {
    id: `${hex}|session-${i}`,
    key_type: i % 3 === 0 ? 'infohash' : 'content_id',
    key: hex,
    container_id: `engine-${(i % 4) + 1}`,
    playback_session_id: `session-${i}`,
    stat_url: `http://127.0.0.1:6878/ace/stat/${hex}/${i}`,
    command_url: `http://127.0.0.1:6878/ace/cmd/${hex}/${i}`,
    is_live: true,
    started_at: started,
    ended_at: null,
    status: 'started',
    peers: 12 + (i % 40),
    speed_down: 800 + ((i * 97) % 2400),
    speed_up: 60 + ((i * 31) % 400),
    downloaded: 300_000_000 + i * 1_000_000,
    uploaded: 20_000_000 + i * 100_000,
    livepos: null,
    engine: { host: '127.0.0.1', port: 6878 },
    labels: {},
    infohash: hex,
    infohash_source: 'engine',
    engine_status: 'dl',
    last_polled_at: new Date().toISOString(),
    last_error: null,
    end_reason: null,
    ...over,
  }
}

export function sampleHistory(n = 60): StatSnapshot[] {
  const now = Date.now()
  return Array.from({ length: n }, (_, i) => ({
    ts: new Date(now - (n - i) * 5000).toISOString(),
    peers: 20 + Math.round(8 * Math.sin(i / 6)) + (i % 5),
    speed_down: 1400 + Math.round(600 * Math.sin(i / 4)),
    speed_up: 200 + Math.round(90 * Math.cos(i / 5)),
    downloaded: 1_000_000 * i,
    uploaded: 100_000 * i,
    status: 'dl',
    livepos: null,
  }))
}

const PLACES = [
  ['DE', 'Germany', 'Frankfurt am Main', 'Deutsche Telekom AG', 'qBittorrent 4.6.2'],
  ['ES', 'Spain', 'Madrid', 'Telefonica de Espana', 'Transmission 4.0.5'],
  ['BR', 'Brazil', 'São Paulo', 'Claro S.A.', 'µTorrent 3.6.0'],
  ['US', 'United States', 'Ashburn', 'Amazon.com, Inc.', 'libtorrent 2.0.9'],
  ['GB', 'United Kingdom', 'London', 'British Telecommunications', 'Deluge 2.1.1'],
] as const

export function samplePeers(streamId: string, n = 14): PeersResult {
  return {
    ok: true,
    value: {
      stream_id: streamId,
      infohash: 'a'.repeat(40),
      peer_count: n,
      total_peers: n + 3,
      cached_at: Date.now() / 1000,
      peers: Array.from({ length: n }, (_, i) => {
        const [cc, country, city, isp, client] = PLACES[i % PLACES.length]!
        return {
          ip: `127.0.0.${i + 2}`,
          port: 6881 + i,
          country_code: cc,
          country,
          city,
          isp,
          client,
          progress: (i * 37) % 101,
        }
      }),
    },
  }
}

/** PanelData over fixed arrays; `settings` is mutable so a test can flip the collector on. */
export function createFixtureData(
  streams: StreamView[],
  given: Omit<RuntimeSettings, keyof LoopDetectionSettings | 'MASK_PEER_ADDRESSES'> &
    Partial<LoopDetectionSettings & Pick<RuntimeSettings, 'MASK_PEER_ADDRESSES'>> = {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:8080',
    CACHE_TTL_SECONDS: 30,
  },
): PanelData & { settings: RuntimeSettings } {
  const settings: RuntimeSettings = {
    ...LOOP_DETECTION_DEFAULTS,
    MASK_PEER_ADDRESSES: false,
    ...given,
  }
  return {
    settings,
    streams: async (q) => pageStreams(streams, { ...q, limit: STREAM_PAGE_SIZE }),
    history: async () => sampleHistory(),
    runtimeSettings: async () => settings,
    peers: async (id) => samplePeers(id),
  }
}
