import { parsePeersAnswer } from '../../lib/contract/peers.ts'
import type { PeersAnswer } from '../types.ts'

/**
 * A cached `/peers` answer read back from Redis, checked with the contract every process reads
 * answers with: a value that does not fit is a miss (and is computed afresh), a single bad peer
 * is dropped alone.
 */
export function validatePeersAnswer(value: unknown): PeersAnswer | undefined {
  try {
    return parsePeersAnswer(value)
  } catch {
    return undefined
  }
}
