// Shared by the bench/*.bench.ts modules (bench/run.ts only runs files named *.bench.ts).

/**
 * Middle value of `xs` (the upper one of an even count); NaN when there are none.
 *
 * @example
 * median([3, 1, 2]) // 2
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

/**
 * Median wall time (ms) of `fn` over `rounds` runs, after `warmup` runs that are not measured.
 *
 * @example
 * const ms = await medianWallTime(() => app.request('/panel/streams'), { rounds: 60, warmup: 5 })
 */
export async function medianWallTime(
  fn: () => Promise<unknown> | unknown,
  { rounds, warmup = 0 }: { rounds: number; warmup?: number },
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return median(times)
}
