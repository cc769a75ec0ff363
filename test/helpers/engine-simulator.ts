/**
 * TEST FIXTURE, not product code: a small HTTP server that behaves like an AceStream engine as
 * far as the orchestrator sees it (start, stat and stop of a session). Used by the orchestrator tests, its bench
 * and the demo. It serves:
 *
 * - `GET /ace/getstream?format=json&id=<content id>` and `/ace/manifest.m3u8?format=json`: start a
 *   session and answer the `{response, error}` envelope with playback_url, stat_url, command_url,
 *   infohash (the simulator's chosen one), playback_session_id, is_live.
 * - `GET /ace/stat/<infohash>/<token>`: live-looking stats that change on every request, with
 *   `livepos` values as strings like the documented sample. Each session has its own level of
 *   peers and speeds (derived from its playback_session_id), so several streams look different. Once the session is stopped:
 *   `{"response": null, "error": "unknown playback session id"}` (HTTP 200).
 * - `GET /ace/cmd/<infohash>/<token>?method=stop`: `{"response": "ok", "error": null}`.
 *
 * A test can freeze a session's live edge (`freezeLivePosition`: `livepos.last_ts` and `pos`
 * stop advancing, as when the broadcast is gone) or starve it (`setStarved`: 0 peers, 0 speeds).
 *
 * It listens on loopback only and never contacts anything.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** Ways a session's stat URL can misbehave, to test the poller. */
export type StatFault = 'http-500' | 'garbage' | 'hang' | 'engine-error' | null

export interface SimulatedStats {
  peers: number
  speed_down: number
  speed_up: number
  downloaded: number
  uploaded: number
}

export interface SimulatedSession {
  playback_session_id: string
  token: string
  content_id: string
  infohash: string
  stat_requests: number
  stopped: boolean
  fault: StatFault
  /** Stats answered so far, newest last (at most 100), so tests can match what they see. */
  answered: SimulatedStats[]
  downloaded: number
  uploaded: number
  /** Where this session's figures hover (see sessionLevel); each stat answer moves around it. */
  level: { peers: number; down: number; up: number }
  /** Unix seconds the live edge stays at (a broadcast that stopped); null while it advances. */
  frozenLiveEdge: number | null
  /** Report 0 peers and 0 speeds (a swarm with nobody left to download from). */
  starved: boolean
}

/**
 * A session's own level of peers and speeds (KB/s), fixed by its playback_session_id so runs
 * are reproducible for a given id while different sessions look different.
 */
export function sessionLevel(playbackSessionId: string): SimulatedSession['level'] {
  const h = createHash('sha1').update(playbackSessionId).digest()
  const down = 150 + (h.readUInt16BE(1) % 2200)
  return {
    peers: 2 + (h[0]! % 30),
    down,
    up: 10 + Math.round(((h[3]! % 100) / 100) * (down / 4)),
  }
}

export interface EngineStartResponse {
  playback_url: string
  stat_url: string
  command_url: string
  infohash: string
  playback_session_id: string
  is_live: number
  is_encrypted: number
  client_session_id: number
}

export interface EngineSimulatorOptions {
  /** The swarm infohash every session reports; random when omitted. */
  infohash?: string
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string
  /** Send `speedDown`/`speedUp` instead of snake_case, like some engine versions. */
  camelCaseSpeeds?: boolean
  /** Leave `infohash` out of stat answers (the orchestrator must then use event or key). */
  omitInfohashInStats?: boolean
}

export interface EngineSimulator {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  host: string
  port: number
  infohash: string
  sessions: Map<string, SimulatedSession>
  /** Starts a session through the engine API, as the proxy would (HTTP GET, format=json). */
  startSession(opts?: { contentId?: string; hls?: boolean }): Promise<EngineStartResponse>
  /** Makes a session's stat URL misbehave; `null` heals it. */
  setFault(playbackSessionId: string, fault: StatFault): void
  /**
   * Stops (true) or resumes (false) the session's live edge: `livepos.last_ts` and `pos` then
   * stay where they are, as when a broadcast stops and the engine replays its window.
   */
  freezeLivePosition(playbackSessionId: string, frozen: boolean): void
  /** The session reports 0 peers and 0 speeds (true) or its usual figures again (false). */
  setStarved(playbackSessionId: string, starved: boolean): void
  /** Total stat requests served (all sessions). */
  statRequests(): number
  close(): Promise<void>
}

/**
 * Starts the simulator on a free loopback port.
 *
 * @example
 * const engine = await createEngineSimulator({ infohash: swarm.infohash })
 * const start = await engine.startSession({ contentId: 'a'.repeat(40) })
 */
export async function createEngineSimulator(
  opts: EngineSimulatorOptions = {},
): Promise<EngineSimulator> {
  const host = opts.host ?? '127.0.0.1'
  const infohash = (opts.infohash ?? randomBytes(20).toString('hex')).toLowerCase()
  const sessions = new Map<string, SimulatedSession>()
  const byToken = new Map<string, SimulatedSession>()
  let statRequests = 0
  let base = ''

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  }

  const start = (url: URL, hls: boolean, res: ServerResponse) => {
    if (url.searchParams.get('format') !== 'json') {
      res.writeHead(501, { 'content-type': 'text/plain' })
      res.end('simulator only serves format=json')
      return
    }
    const contentId =
      url.searchParams.get('content_id') ??
      url.searchParams.get('id') ??
      url.searchParams.get('infohash') ??
      url.searchParams.get('url') ??
      url.searchParams.get('magnet')
    if (!contentId) return json(res, 200, { response: null, error: 'missing content id' })
    const playbackSessionId = randomBytes(20).toString('hex')
    const s: SimulatedSession = {
      playback_session_id: playbackSessionId,
      // As in the documented example, the path token differs from the session id.
      token: randomBytes(16).toString('hex'),
      content_id: contentId,
      infohash,
      stat_requests: 0,
      stopped: false,
      fault: null,
      answered: [],
      downloaded: 0,
      uploaded: 0,
      level: sessionLevel(playbackSessionId),
      frozenLiveEdge: null,
      starved: false,
    }
    sessions.set(s.playback_session_id, s)
    byToken.set(s.token, s)
    json(res, 200, {
      response: {
        playback_url: hls
          ? `${base}/ace/m/${infohash}/${s.token}.m3u8`
          : `${base}/ace/r/${infohash}/${s.token}`,
        stat_url: `${base}/ace/stat/${infohash}/${s.token}`,
        command_url: `${base}/ace/cmd/${infohash}/${s.token}`,
        infohash,
        playback_session_id: s.playback_session_id,
        is_live: 1,
        is_encrypted: 0,
        client_session_id: -1,
      },
      error: null,
    })
  }

  const stat = (s: SimulatedSession | undefined, res: ServerResponse) => {
    statRequests++
    if (!s || s.stopped)
      return json(res, 200, { response: null, error: 'unknown playback session id' })
    switch (s.fault) {
      case 'hang':
        return // never answer; close() destroys the socket
      case 'http-500':
        res.writeHead(500, { 'content-type': 'text/plain' })
        return res.end('internal engine error')
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end('{"response": {"peers": 3,')
      case 'engine-error':
        return json(res, 200, { response: null, error: 'engine is busy' })
    }
    const n = s.stat_requests++
    const now = s.frozenLiveEdge ?? Math.floor(Date.now() / 1000)
    const stats: SimulatedStats = {
      peers: s.starved ? 0 : s.level.peers + ((n * 3) % 7),
      speed_down: s.starved
        ? 0
        : s.level.down + ((n * 37) % Math.max(40, Math.round(s.level.down / 4))),
      speed_up: s.starved ? 0 : s.level.up + ((n * 11) % Math.max(10, Math.round(s.level.up / 3))),
      downloaded: 0,
      uploaded: 0,
    }
    s.downloaded += stats.speed_down * 1024
    s.uploaded += stats.speed_up * 1024
    stats.downloaded = s.downloaded
    stats.uploaded = s.uploaded
    s.answered.push(stats)
    if (s.answered.length > 100) s.answered.shift()
    const speeds = opts.camelCaseSpeeds
      ? { speedDown: stats.speed_down, speedUp: stats.speed_up }
      : { speed_down: stats.speed_down, speed_up: stats.speed_up }
    json(res, 200, {
      response: {
        status: n === 0 ? 'prebuf' : 'dl',
        peers: stats.peers,
        ...speeds,
        downloaded: stats.downloaded,
        uploaded: stats.uploaded,
        total_progress: 0,
        ...(opts.omitInfohashInStats ? {} : { infohash }),
        playback_session_id: s.playback_session_id,
        is_live: 1,
        is_encrypted: 0,
        client_session_id: -1,
        selected_file_index: -1,
        disk_cache_stats: { avail: 1e9, disk_cache_limit: 1e9, inactive_inuse: 0, active_inuse: 0 },
        // Every livepos value is a string holding an integer, as in the engine's sample.
        livepos: {
          pos: String(now - 10),
          first_ts: String(now - 600),
          last_ts: String(now),
          is_live: '1',
          buffer_pieces: String(10 + (n % 6)),
        },
      },
      error: null,
    })
  }

  const command = (s: SimulatedSession | undefined, url: URL, res: ServerResponse) => {
    if (!s || s.stopped)
      return json(res, 200, { response: null, error: 'unknown playback session id' })
    if (url.searchParams.get('method') !== 'stop') {
      return json(res, 200, { response: null, error: 'unknown method' })
    }
    s.stopped = true
    json(res, 200, { response: 'ok', error: null })
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base)
    const parts = url.pathname.split('/').filter(Boolean)
    if (req.method !== 'GET') return json(res, 405, { response: null, error: 'method not allowed' })
    if (url.pathname === '/ace/getstream') return start(url, false, res)
    if (url.pathname === '/ace/manifest.m3u8') return start(url, true, res)
    if (parts[0] === 'ace' && parts[1] === 'stat' && parts.length === 4) {
      return stat(byToken.get(parts[3] as string), res)
    }
    if (parts[0] === 'ace' && parts[1] === 'cmd' && parts.length === 4) {
      return command(byToken.get(parts[3] as string), url, res)
    }
    json(res, 404, { response: null, error: 'not found' })
  })
  // 200 sessions polled at once: do not let the default backlog or keep-alive limits bite.
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  base = `http://${host}:${port}`

  return {
    url: base,
    host,
    port,
    infohash,
    sessions,
    async startSession(o = {}) {
      const path = o.hls ? '/ace/manifest.m3u8' : '/ace/getstream'
      const q = new URLSearchParams({
        format: 'json',
        id: o.contentId ?? randomBytes(20).toString('hex'),
        pid: randomUUID(),
      })
      const res = await fetch(`${base}${path}?${q}`)
      const body = (await res.json()) as {
        response: EngineStartResponse | null
        error: string | null
      }
      if (!body.response) throw new Error(`simulated engine refused start: ${body.error}`)
      return body.response
    },
    setFault(id, fault) {
      const s = sessions.get(id)
      if (!s) throw new Error(`no simulated session ${id}`)
      s.fault = fault
    },
    freezeLivePosition(id, frozen) {
      const s = sessions.get(id)
      if (!s) throw new Error(`no simulated session ${id}`)
      s.frozenLiveEdge = frozen ? (s.frozenLiveEdge ?? Math.floor(Date.now() / 1000)) : null
    },
    setStarved(id, starved) {
      const s = sessions.get(id)
      if (!s) throw new Error(`no simulated session ${id}`)
      s.starved = starved
    },
    statRequests: () => statRequests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

export interface RegisterStreamOptions {
  /** Base URL of the orchestrator. */
  orchestratorUrl: string
  engine: EngineSimulator
  apiKey?: string
  contentId?: string
  /** Becomes `labels.stream_id` (else the id is `<key>|<playback_session_id>`). */
  streamId?: string
  /** Carry the start response's infohash in the event, as a patched engine would; default false. */
  withInfohash?: boolean
  keyType?: 'content_id' | 'infohash' | 'url' | 'magnet'
  /** The stream's own trackers, sent as `session.trackers`. */
  trackers?: string[]
}

/**
 * Starts a session on the simulator and reports it to the orchestrator with
 * `POST /events/stream_started`, like the proxy does. Returns the stream id and the answer.
 *
 * @example
 * const { streamId } = await registerSimulatedStream({ orchestratorUrl, engine })
 */
export async function registerSimulatedStream(o: RegisterStreamOptions): Promise<{
  streamId: string
  start: EngineStartResponse
  response: Response
  body: unknown
}> {
  const contentId = o.contentId ?? randomBytes(20).toString('hex')
  const start = await o.engine.startSession({ contentId })
  const event = {
    container_id: null,
    engine: { host: o.engine.host, port: o.engine.port },
    stream: { key_type: o.keyType ?? 'content_id', key: contentId },
    session: {
      playback_session_id: start.playback_session_id,
      stat_url: start.stat_url,
      command_url: start.command_url,
      is_live: start.is_live,
      ...(o.withInfohash ? { infohash: start.infohash } : {}),
      ...(o.trackers ? { trackers: o.trackers } : {}),
    },
    labels: o.streamId ? { stream_id: o.streamId, source: 'test' } : { source: 'test' },
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`
  const response = await fetch(`${o.orchestratorUrl}/events/stream_started`, {
    method: 'POST',
    headers,
    body: JSON.stringify(event),
  })
  const body = (await response.json()) as { id?: string }
  return {
    streamId: body.id ?? o.streamId ?? `${contentId}|${start.playback_session_id}`,
    start,
    response,
    body,
  }
}
