/**
 * A PeersAnswerCache kept in a plain Map, for tests of the collector's cache contract without
 * Redis: it keeps settled answers forever, never `discovering` ones, and counts computations.
 */
import type { PeersAnswer, PeersAnswerCache } from '../../collector/types.ts'

export interface MapCache {
  cache: PeersAnswerCache
  stored: Map<string, PeersAnswer>
  /** How many times an answer was computed rather than served from the map. */
  computed(): number
}

export function createMapCache(health: Record<string, unknown> = {}): MapCache {
  const stored = new Map<string, PeersAnswer>()
  let computed = 0
  const cache: PeersAnswerCache = {
    async getOrCompute(key, compute) {
      const hit = stored.get(key)
      if (hit) return { value: hit, from: 'memory' }
      computed++
      const value = await compute()
      if (!value.discovering) stored.set(key, value)
      return { value, from: 'computed' }
    },
    health: () => ({ ...health, cache_entries: stored.size }),
    close: async () => {},
  }
  return { cache, stored, computed: () => computed }
}
