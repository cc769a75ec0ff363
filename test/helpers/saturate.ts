/**
 * Keeps this process's event loop saturated the way a flood of requests does: every loop turn
 * spends `chunkMs` in JavaScript, while timers and I/O still run between turns (slowly).
 *
 * @example
 * const stop = saturateLoop()
 * try { ... } finally { stop() }
 */
export function saturateLoop(chunkMs = 30): () => void {
  let on = true
  const spin = () => {
    if (!on) return
    const end = performance.now() + chunkMs
    while (performance.now() < end);
    setImmediate(spin)
  }
  setImmediate(spin)
  return () => {
    on = false
  }
}
