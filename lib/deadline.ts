/**
 * Bounded waits: `withDeadline` races a promise against a timer, cleared in `finally`, and an
 * optional `AbortSignal`; `sleep` waits that long unless the signal aborts first. The timer is
 * not `unref()`'d: a wait always ends, even in a process with nothing else to do, and it holds
 * the process no longer than the work it bounds. Browser-safe.
 *
 * @example
 * // A fallback when time runs out: the answer goes out unenriched rather than late.
 * const peers = await withDeadline(enricher.enrich(list), 500, { onTimeout: () => list })
 * // No fallback: a slow resolver rejects with a DeadlineError.
 * const addrs = await withDeadline(dnsLookup(host, { all: true }), 2000)
 */

/** Thrown by `withDeadline` when time runs out and no `onTimeout` was given. */
export class DeadlineError extends Error {
  override name = 'DeadlineError'
}

export interface DeadlineOptions<F> {
  /** The value when time runs out or `signal` aborts; without it the wait rejects. */
  onTimeout?: () => F
  /** Ends the wait early, like the timer. */
  signal?: AbortSignal
  /** The DeadlineError's message (default "timed out after N ms"). */
  message?: string
  /**
   * A timer that fires far too late (over twice `ms`) means this process stalled (a synchronous
   * file load, a long GC), not the other side: give the work one more period once it runs again.
   */
  extendOnStall?: boolean
}

export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  opts?: DeadlineOptions<never> & { onTimeout?: undefined },
): Promise<T>
export function withDeadline<T, F>(
  work: Promise<T>,
  ms: number,
  opts: DeadlineOptions<F> & { onTimeout: () => F },
): Promise<T | F>
export async function withDeadline<T, F>(
  work: Promise<T>,
  ms: number,
  opts: DeadlineOptions<F> = {},
): Promise<T | F> {
  const { signal, onTimeout } = opts
  let timer: ReturnType<typeof setTimeout> | undefined
  let onAbort = () => {}
  const late = new Promise<F>((resolve, reject) => {
    const expire = (reason?: unknown) => {
      if (onTimeout) resolve(onTimeout())
      else reject(reason ?? new DeadlineError(opts.message ?? `timed out after ${ms} ms`))
    }
    const started = performance.now()
    let extended = false
    const arm = () => {
      timer = setTimeout(
        () => {
          if (opts.extendOnStall && !extended && performance.now() - started > 2 * ms) {
            extended = true
            arm()
          } else expire()
        },
        Math.max(0, ms),
      )
    }
    onAbort = () => expire(signal?.reason)
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    arm()
  })
  // The losing side may still reject later; nobody is listening then.
  work.catch(() => {})
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return withDeadline(new Promise<never>(() => {}), ms, { signal, onTimeout: () => undefined })
}
