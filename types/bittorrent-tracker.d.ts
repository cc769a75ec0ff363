// Minimal declarations for bittorrent-tracker 11 (untyped): the client the collector announces
// with and the server the local test swarm runs. See
// https://github.com/webtorrent/bittorrent-tracker#usage
declare module 'bittorrent-tracker/client' {
  import { EventEmitter } from 'node:events'
  import type { Agent } from 'node:http'

  export interface ClientOptions {
    infoHash: string | Uint8Array
    peerId: string | Uint8Array
    announce: string[]
    port: number
    userAgent?: string
    /** false: never create WebRTC peers (we only use UDP and HTTP trackers). */
    wrtc?: false
    getAnnounceOpts?: () => Record<string, unknown>
    /** Agents for HTTP trackers (used by the test swarm to pick a source address). */
    proxyOpts?: { httpAgent?: Agent; httpsAgent?: Agent }
  }

  export interface AnnounceOptions {
    numwant?: number
    uploaded?: number
    downloaded?: number
    left?: number
  }

  export interface TrackerUpdate {
    announce: string
    complete: number
    incomplete: number
  }

  export interface TrackerScrape extends TrackerUpdate {
    infoHash: string
    downloaded: number
  }

  export default class Client extends EventEmitter {
    constructor(opts: ClientOptions)
    readonly destroyed: boolean
    start(opts?: AnnounceOptions): void
    stop(opts?: AnnounceOptions): void
    update(opts?: AnnounceOptions): void
    complete(opts?: AnnounceOptions): void
    scrape(opts?: { infoHash?: string | string[] }): void
    setInterval(intervalMs: number): void
    destroy(cb?: (err: Error | null) => void): void

    /** `peer` is `ip:port` (IPv6 in brackets). */
    on(event: 'peer', fn: (peer: string) => void): this
    on(event: 'update', fn: (data: TrackerUpdate) => void): this
    on(event: 'scrape', fn: (data: TrackerScrape) => void): this
    on(event: 'error' | 'warning', fn: (err: Error) => void): this
    on(event: string, fn: (...args: any[]) => void): this
  }
}

declare module 'bittorrent-tracker/server' {
  import { EventEmitter } from 'node:events'
  import type { Server as HttpServer } from 'node:http'
  import type { Socket } from 'node:dgram'

  export interface ServerOptions {
    interval?: number
    trustProxy?: boolean
    http?: boolean | Record<string, unknown>
    udp?: boolean | Record<string, unknown>
    ws?: boolean | Record<string, unknown>
    stats?: boolean
    peersCacheLength?: number
    peersCacheTtl?: number
    filter?: (infoHash: string, params: unknown, cb: (err?: Error | null) => void) => void
  }

  export interface AnnounceParams {
    type: 'http' | 'udp' | 'ws'
    info_hash: string
    peer_id: string
    ip: string
    port: number
    addr: string
    left?: number
    event?: string
  }

  export interface TrackerSwarm {
    complete: number
    incomplete: number
    peers: { keys: string[]; length: number }
  }

  export default class Server extends EventEmitter {
    constructor(opts?: ServerOptions)
    http: HttpServer | null
    udp4: Socket | null
    udp6: Socket | null
    torrents: Record<string, TrackerSwarm>
    listen(
      port?: number | { http?: number; udp?: number },
      hostname?: string | { http?: string; udp?: string; udp6?: string },
      onlistening?: () => void,
    ): void
    close(cb?: () => void): void

    on(
      event: 'start' | 'stop' | 'update' | 'complete',
      fn: (addr: string, params: AnnounceParams) => void,
    ): this
    on(event: 'listening', fn: () => void): this
    on(event: 'error' | 'warning', fn: (err: Error) => void): this
    on(event: string, fn: (...args: any[]) => void): this
  }
}
