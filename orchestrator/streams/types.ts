/**
 * The stream shapes the API answers with, defined once in the shared contract (zod schemas and
 * their types) and re-exported here for the orchestrator's own modules.
 */
export type {
  InfohashSource,
  KeyType,
  LivePos,
  StatSnapshot,
  StreamPage,
  StreamState,
  StreamStatus,
  StreamSummary,
} from '../../lib/contract/streams.ts'
