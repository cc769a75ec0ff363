/**
 * Loop Detection: a live stream whose broadcast position (`livepos.live_last`, which the stat
 * parser already fills from `last_ts`, then `last`) has not advanced for longer than the
 * threshold is flagged; optionally its engine session is stopped. Time is measured between the
 * engine's own answers (the snapshots' poll times), so a poll outage never reads as a frozen
 * position. Settings are read from the runtime settings at every check, so a change from the
 * Settings page applies at the next check without a restart.
 *
 * @example
 * const loops = createLoopDetector({ store, engine, settings: () => runtime.get(), log })
 * loops.start()
 * loops.list() // [{ stream_id: 'ch-7', state: 'looping', frozen_s: 3720, ... }]
 */
import type { LoopingStream } from '../../lib/contract/operations.ts'
import type { Logger } from '../../lib/log.ts'
import type { EngineClient } from '../engine/engine-client.ts'
import type { StreamStore } from '../streams/store.ts'
import type { LoopDetectionSettings } from './settings.ts'

export type { LoopingStream }

export interface LoopDetectorOptions {
  store: Pick<StreamStore, 'list' | 'end'>
  engine: Pick<EngineClient, 'stop'>
  settings: () => LoopDetectionSettings
  log: Logger
  /** Called once per flag (alerts, metrics, history). */
  onFlag?: (entry: LoopingStream) => void
  /** Called when a flagged stream recovers, ends or is removed from the list. */
  onResolve?: (entry: LoopingStream) => void
  /** Listed entries kept at most (oldest resolved dropped first). */
  maxEntries?: number
  now?: () => number
}

export interface LoopDetector {
  start(): void
  /** One check now; resolves after any stop it sends. */
  check(): Promise<void>
  /** Flagged streams, newest first. */
  list(): LoopingStream[]
  /** Streams looping now. */
  loopingCount(): number
  /** Removes one entry; false when it is not listed. A still-frozen stream is flagged again only after another full threshold. */
  remove(streamId: string): boolean
  clear(): number
  /** Puts back entries kept elsewhere (history), e.g. after a restart. */
  restore(entries: LoopingStream[]): void
  stop(): void
}

interface Watch {
  value: string
  /** Poll time (ms) of the first answer with this value. */
  since: number
  /** Poll time (ms) of the latest answer seen. */
  last: number
}

const DEFAULT_MAX_ENTRIES = 1000

export function createLoopDetector(opts: LoopDetectorOptions): LoopDetector {
  const now = opts.now ?? Date.now
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES
  const watches = new Map<string, Watch>()
  const entries = new Map<string, LoopingStream>()
  let timer: NodeJS.Timeout | undefined
  let running = false
  let checking: Promise<void> | undefined

  const resolve = (e: LoopingStream, state: 'recovered' | 'ended') => {
    e.state = state
    e.resolved_at = new Date(now()).toISOString()
    opts.onResolve?.(e)
  }

  const bound = () => {
    if (entries.size <= maxEntries) return
    const byAge = [...entries.values()].sort(
      (a, b) =>
        (a.state === 'looping' ? 1 : 0) - (b.state === 'looping' ? 1 : 0) ||
        Date.parse(a.detected_at) - Date.parse(b.detected_at),
    )
    for (const e of byAge.slice(0, entries.size - maxEntries)) entries.delete(e.stream_id)
  }

  async function flag(
    id: string,
    key: string,
    commandUrl: string,
    w: Watch,
    s: LoopDetectionSettings,
  ) {
    const entry: LoopingStream = {
      stream_id: id,
      key,
      detected_at: new Date(now()).toISOString(),
      live_last: w.value,
      frozen_since: new Date(w.since).toISOString(),
      frozen_s: Math.round((w.last - w.since) / 1000),
      state: 'looping',
      resolved_at: null,
      stop: null,
    }
    entries.delete(id) // a re-flag moves it to the front
    entries.set(id, entry)
    bound()
    opts.log.warn('stream looping: live position stopped advancing', {
      stream_id: id,
      live_last: w.value,
      frozen_s: entry.frozen_s,
    })
    opts.onFlag?.(entry)
    if (!s.LOOP_DETECTION_STOP) return
    entry.stop = await opts.engine.stop(commandUrl)
    opts.store.end(id, 'loop_detected')
    resolve(entry, 'ended')
  }

  async function runCheck(): Promise<void> {
    const s = opts.settings()
    const t = now()
    purge(s, t)
    if (!s.LOOP_DETECTION_ENABLED) {
      watches.clear()
      return
    }
    const active = new Set<string>()
    const stops: Promise<void>[] = []
    for (const stream of opts.store.list({ status: 'started' })) {
      const value = stream.livepos?.live_last
      const polled = stream.last_polled_at ? Date.parse(stream.last_polled_at) : NaN
      if (!stream.is_live || !value || Number.isNaN(polled)) continue
      active.add(stream.id)
      const w = watches.get(stream.id)
      const entry = entries.get(stream.id)
      if (!w || w.value !== value) {
        watches.set(stream.id, { value, since: polled, last: polled })
        if (w && entry?.state === 'looping') {
          opts.log.info('stream recovered: live position advances again', { stream_id: stream.id })
          resolve(entry, 'recovered')
        }
        continue
      }
      w.last = Math.max(w.last, polled)
      const frozenMs = w.last - w.since
      if (entry?.state === 'looping') {
        entry.frozen_s = Math.round(frozenMs / 1000)
        continue
      }
      if (frozenMs >= s.LOOP_DETECTION_THRESHOLD_S * 1000) {
        stops.push(flag(stream.id, stream.key, stream.command_url, w, s))
      }
    }
    for (const id of watches.keys()) if (!active.has(id)) watches.delete(id)
    for (const e of entries.values())
      if (e.state === 'looping' && !active.has(e.stream_id)) resolve(e, 'ended')
    await Promise.all(stops)
  }

  function purge(s: LoopDetectionSettings, t: number) {
    if (s.LOOP_DETECTION_RETENTION_S <= 0) return
    const cutoff = t - s.LOOP_DETECTION_RETENTION_S * 1000
    for (const [id, e] of entries) {
      if (e.resolved_at !== null && Date.parse(e.resolved_at) <= cutoff) entries.delete(id)
    }
  }

  function check(): Promise<void> {
    // A check still sending stops is joined, not doubled.
    checking ??= runCheck()
      .catch((err: unknown) => opts.log.error('loop check failed', { err }))
      .finally(() => {
        checking = undefined
      })
    return checking
  }

  function schedule() {
    if (!running) return
    const ms = Math.max(1, opts.settings().LOOP_DETECTION_INTERVAL_S) * 1000
    timer = setTimeout(() => void check().finally(schedule), ms)
    timer.unref()
  }

  const forget = (e: LoopingStream) => {
    entries.delete(e.stream_id)
    // Still frozen: it must stand still for another full threshold before it is flagged again.
    const w = watches.get(e.stream_id)
    if (w) w.since = w.last
    if (e.state === 'looping') {
      e.state = 'recovered'
      e.resolved_at = new Date(now()).toISOString()
      opts.onResolve?.(e)
    }
  }

  return {
    start() {
      if (running) return
      running = true
      schedule()
    },
    check,
    list: () =>
      [...entries.values()]
        .sort((a, b) => Date.parse(b.detected_at) - Date.parse(a.detected_at))
        .map((e) => ({ ...e, stop: e.stop && { ...e.stop } })),
    loopingCount: () => [...entries.values()].filter((e) => e.state === 'looping').length,
    remove(id) {
      const e = entries.get(id)
      if (!e) return false
      forget(e)
      return true
    },
    clear() {
      const all = [...entries.values()]
      for (const e of all) forget(e)
      return all.length
    },
    restore(list) {
      for (const e of list.slice(0, maxEntries))
        if (!entries.has(e.stream_id)) entries.set(e.stream_id, { ...e })
      bound()
    },
    stop() {
      running = false
      clearTimeout(timer)
    },
  }
}
