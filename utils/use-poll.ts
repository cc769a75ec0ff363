/**
 * Runs `load` now (optionally) and then every `intervalMs` while the component is mounted,
 * one call at a time, pausing while the tab is hidden and catching up when it is shown again.
 * Unmounting aborts the call in flight, so a closed row never updates state afterwards.
 *
 * @example
 * usePoll((signal) => refresh(signal), 5000, [streamId])
 */
import { useEffect, useRef } from 'preact/hooks'

export function usePoll(
  load: (signal: AbortSignal) => Promise<void>,
  intervalMs: number,
  deps: unknown[],
  opts: { immediate?: boolean } = {},
): void {
  const latest = useRef(load)
  latest.current = load
  useEffect(() => {
    const ctl = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let running = false
    const tick = async () => {
      clearTimeout(timer)
      if (ctl.signal.aborted) return
      if (document.hidden) return // picked up again by the visibility listener
      if (running) return
      running = true
      try {
        await latest.current(ctl.signal)
      } catch {
        // the loader shows its own errors; a failed round must not stop the polling
      } finally {
        running = false
      }
      if (!ctl.signal.aborted) timer = setTimeout(tick, intervalMs)
    }
    const onVisible = () => {
      if (!document.hidden) void tick()
    }
    document.addEventListener('visibilitychange', onVisible)
    if (opts.immediate) void tick()
    else timer = setTimeout(tick, intervalMs)
    return () => {
      ctl.abort()
      clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisible)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [intervalMs, ...deps])
}
