/** How much history the database keeps (see history-store.ts). */
import { defineSettings, int } from '../../lib/settings.ts'

export const HISTORY_SETTINGS = defineSettings({
  HISTORY_RETENTION_DAYS: {
    default: '8',
    doc: 'Days of stream history (snapshots, swarm samples, ended streams, events) kept in DATA_DIR/history.sqlite3',
    parse: int({ min: 1, max: 3650 }),
  },
  HISTORY_MAX_SNAPSHOTS: {
    default: '2000000',
    doc: 'Most snapshot rows kept in the history database (about 100 bytes each); the oldest go first',
    parse: int({ min: 1000, max: 100_000_000 }),
  },
})
