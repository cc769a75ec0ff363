/**
 * Keeps one stream's peer list current from `GET /streams/{id}/peers/events` (EventSource: a
 * snapshot, then diffs folded in as they come, with no request from the page), remembering which
 * peers just joined and which just left so the table can mark them. When event streams are not
 * available (no EventSource, or the server refuses the stream: collection off, infohash not known
 * yet, an older orchestrator) it polls `GET /streams/{id}/peers` instead, and tries the stream
 * again after a poll succeeds.
 *
 * @example
 * const live = useLivePeers(streamId, initial, 2000)
 * live.result.value // PeersResult | null; live.mode.value: 'live' | 'stale' | 'polling' | 'connecting'
 */
import { useSignal, type Signal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import type { Churn, PeerDiffEvent, PeerSnapshotEvent } from '../lib/contract/peer-events.ts'
import { applyDiff, peerKeyOf } from '../lib/peer-diff.ts'
import { apiGet, toProblem } from './api.ts'
import type { PeerRow, PeersResult, StreamPeers } from './types.ts'

export type LiveMode = 'connecting' | 'live' | 'stale' | 'polling'

export interface LivePeers {
  result: Signal<PeersResult | null>
  mode: Signal<LiveMode>
  /** Since when the view is stale (epoch ms). */
  staleSince: Signal<number>
  /** Keys of peers that joined while watching, with when. */
  joined: Signal<Map<string, number>>
  /** Peers that just left, shown fading for a moment. */
  gone: Signal<PeerRow[]>
  churn: Signal<Churn | null>
  /** Time of the last update, for relative times. */
  clock: Signal<number>
}

/** How long a leaving peer stays visible (its row fades out meanwhile). */
const GONE_MS = 4000
/** Stream attempts after a successful poll, per open tab. */
const MAX_RETRIES = 5
/**
 * Peers tabs live at once on a page. A browser opens at most six HTTP/1.1 connections to one
 * host and each event stream holds one; with the streams table's own, four leave room for the
 * page's other requests. Further open tabs poll until a live one closes.
 */
const MAX_LIVE_TABS = 3
let liveTabs = 0

export function useLivePeers(
  streamId: string,
  initial: PeersResult | null,
  refreshMs: number,
  onCount?: (n: number | null) => void,
): LivePeers {
  const live: LivePeers = {
    result: useSignal(initial),
    mode: useSignal<LiveMode>('connecting'),
    staleSince: useSignal(0),
    joined: useSignal(new Map()),
    gone: useSignal<PeerRow[]>([]),
    churn: useSignal<Churn | null>(null),
    clock: useSignal(Date.now()),
  }
  useEffect(() => {
    let es: EventSource | undefined
    let poll: ReturnType<typeof setTimeout> | undefined
    let ctl = new AbortController()
    let retries = 0
    let closed = false
    let waitingForSlot = false
    const path = `/streams/${encodeURIComponent(streamId)}/peers`
    const set = (value: StreamPeers) => {
      live.result.value = { ok: true, value }
      live.clock.value = Date.now()
      onCount?.(value.peers.length)
    }
    const stale = () => {
      if (live.mode.value !== 'stale') live.staleSince.value = Date.now()
      live.mode.value = 'stale'
    }

    const startPolling = () => {
      live.mode.value = 'polling'
      const tick = async () => {
        if (closed) return
        try {
          set(await apiGet<StreamPeers>(path, ctl.signal))
          const retry = waitingForSlot ? liveTabs < MAX_LIVE_TABS : retries < MAX_RETRIES
          if (retry && typeof EventSource === 'function') {
            if (!waitingForSlot) retries++
            return connect()
          }
        } catch (err) {
          if (ctl.signal.aborted) return
          live.result.value = { ok: false, problem: toProblem(err) }
          onCount?.(null)
        }
        poll = setTimeout(tick, refreshMs)
      }
      // At once when there is nothing to show yet; else at the next refresh, so a stream the
      // server keeps refusing is not retried in a tight loop.
      if (live.result.value) poll = setTimeout(tick, refreshMs)
      else void tick()
    }

    const connect = () => {
      if (closed) return
      if (typeof EventSource !== 'function') return startPolling()
      waitingForSlot = liveTabs >= MAX_LIVE_TABS
      if (waitingForSlot) return startPolling()
      const source = new EventSource(`${path}/events`)
      es = source
      liveTabs++
      source.addEventListener('snapshot', (e) => {
        const ev = JSON.parse((e as MessageEvent).data) as PeerSnapshotEvent
        live.mode.value = 'live'
        live.churn.value = ev.churn ?? null
        set(ev.answer as unknown as StreamPeers)
      })
      source.addEventListener('diff', (e) => {
        const ev = JSON.parse((e as MessageEvent).data) as PeerDiffEvent
        const r = live.result.value
        if (!r?.ok) return
        const now = Date.now()
        const joined = new Map([...live.joined.value].filter(([, t]) => now - t < 30_000))
        for (const p of ev.added) joined.set(peerKeyOf(p), now)
        const removed = new Set(ev.removed)
        const left = r.value.peers.filter((p) => removed.has(peerKeyOf(p)))
        live.joined.value = joined
        if (left.length) {
          live.gone.value = [...live.gone.value, ...left]
          setTimeout(() => {
            live.gone.value = live.gone.value.filter((p) => !left.includes(p))
          }, GONE_MS)
        }
        if (ev.churn) live.churn.value = ev.churn
        live.mode.value = 'live'
        set(applyDiff(r.value, ev))
      })
      source.addEventListener('status', (e) => {
        const s = JSON.parse((e as MessageEvent).data) as { state: string; since: string }
        if (s.state === 'stale') {
          live.staleSince.value = Date.parse(s.since) || Date.now()
          live.mode.value = 'stale'
        } else if (live.result.value) live.mode.value = 'live'
      })
      // A reconnect that missed nothing gets no event; being open again is news enough.
      source.onopen = () => {
        if (live.result.value?.ok) live.mode.value = 'live'
      }
      source.onerror = () => {
        // CLOSED: the server refused the stream (an HTTP error); else the browser reconnects.
        if (source.readyState === EventSource.CLOSED) {
          source.close()
          es = undefined
          liveTabs--
          startPolling()
        } else stale()
      }
    }

    connect()
    return () => {
      closed = true
      if (es) liveTabs--
      es?.close()
      clearTimeout(poll)
      ctl.abort()
      ctl = new AbortController()
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [streamId, refreshMs])
  return live
}
