/**
 * Keeps the streams table current from `GET /streams/events?q=&offset=&limit=` (EventSource:
 * a `page` event whenever a poll cycle changed the view), reconnecting when the view changes.
 * Where event streams are unavailable (no EventSource, or the server refuses the stream) it
 * calls `poll` every `refreshMs` instead.
 *
 * @example
 * const mode = useLiveStreams({ path, onPage: (ev, path) => show(ev), poll: refresh, refreshMs })
 */
import { useSignal, type Signal } from '@preact/signals'
import { useEffect, useRef } from 'preact/hooks'
import type { StreamRow, StreamSummary } from './types.ts'

export interface StreamsPageEvent {
  id: string
  as_of: string
  page: {
    streams: StreamRow[]
    total: number
    offset: number
    limit: number
    summary: StreamSummary
  }
  settings: { PEER_COLLECTOR_ENABLED: boolean; MASK_PEER_ADDRESSES: boolean }
  /** Ids of the page's streams Loop Detection flags as looping. */
  looping: string[]
}

export interface LiveStreamsOptions {
  /** Event stream URL for the view shown; a new path reconnects. */
  path: string
  onPage(ev: StreamsPageEvent, path: string): void
  poll(signal?: AbortSignal): Promise<void>
  refreshMs: number
}

export type StreamsMode = 'connecting' | 'live' | 'stale' | 'polling'

export function useLiveStreams(opts: LiveStreamsOptions): {
  mode: Signal<StreamsMode>
  staleSince: Signal<number>
} {
  const mode = useSignal<StreamsMode>('connecting')
  const staleSince = useSignal(0)
  const latest = useRef(opts)
  latest.current = opts
  useEffect(() => {
    const ctl = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const path = opts.path
    const pollLoop = () => {
      mode.value = 'polling'
      const tick = async () => {
        if (ctl.signal.aborted) return
        if (!document.hidden) await latest.current.poll(ctl.signal).catch(() => {})
        if (!ctl.signal.aborted) timer = setTimeout(tick, latest.current.refreshMs)
      }
      timer = setTimeout(tick, latest.current.refreshMs)
    }
    if (typeof EventSource !== 'function') {
      pollLoop()
      return () => ctl.abort()
    }
    const es = new EventSource(path)
    es.addEventListener('page', (e) => {
      mode.value = 'live'
      latest.current.onPage(JSON.parse((e as MessageEvent).data) as StreamsPageEvent, path)
    })
    es.onopen = () => {
      if (mode.value === 'stale') mode.value = 'live'
    }
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        es.close()
        pollLoop()
      } else if (mode.value !== 'stale') {
        staleSince.value = Date.now()
        mode.value = 'stale'
      }
    }
    return () => {
      es.close()
      ctl.abort()
      clearTimeout(timer)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.path])
  return { mode, staleSince }
}
