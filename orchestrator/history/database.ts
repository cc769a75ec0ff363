/**
 * The history database: one SQLite file in DATA_DIR (`history.sqlite3`) through better-sqlite3.
 * WAL journal with `synchronous=NORMAL`: a committed transaction survives the process being
 * killed (only a power cut may lose the last one), and a kill mid-write leaves the file as it
 * was before that transaction. The schema moves forward by `PRAGMA user_version`, one migration
 * per version, each in its own transaction.
 *
 * @example
 * const db = openHistoryDatabase('./data')
 * db.prepare('SELECT COUNT(*) AS n FROM snapshots').get()
 * db.close()
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export const HISTORY_FILE = 'history.sqlite3'

export type HistoryDatabase = Database.Database

/** Schema versions in order; index + 1 is the `user_version` after each one ran. */
const MIGRATIONS: string[] = [
  // 1: streams, their snapshots, swarm samples from the collector, alert events, looping list.
  `
  CREATE TABLE streams (
    id TEXT PRIMARY KEY,
    playback_session_id TEXT NOT NULL,
    key_type TEXT NOT NULL,
    key TEXT NOT NULL,
    container_id TEXT NOT NULL,
    stat_url TEXT NOT NULL,
    command_url TEXT NOT NULL,
    is_live INTEGER NOT NULL,
    engine_host TEXT NOT NULL,
    engine_port INTEGER NOT NULL,
    labels TEXT NOT NULL,
    infohash TEXT,
    infohash_source TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT,
    last_polled_at TEXT,
    downloaded INTEGER,
    uploaded INTEGER,
    engine_status TEXT
  );
  CREATE INDEX streams_ended_at ON streams (ended_at);
  CREATE TABLE snapshots (
    stream_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    peers INTEGER,
    speed_down INTEGER,
    speed_up INTEGER,
    downloaded INTEGER,
    uploaded INTEGER,
    status TEXT,
    livepos TEXT,
    PRIMARY KEY (stream_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX snapshots_ts ON snapshots (ts);
  CREATE TABLE swarm_samples (
    stream_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    infohash TEXT NOT NULL,
    peers INTEGER NOT NULL,
    reachable INTEGER,
    sources TEXT NOT NULL,
    countries TEXT NOT NULL,
    PRIMARY KEY (stream_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX swarm_samples_ts ON swarm_samples (ts);
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL
  );
  CREATE TABLE looping (
    stream_id TEXT PRIMARY KEY,
    entry TEXT NOT NULL
  );
  `,
  // 2: a stream's own trackers (session.trackers), so a restart still asks with them.
  `ALTER TABLE streams ADD COLUMN trackers TEXT;`,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Opens (creating if needed) and migrates the database; throws when the file is newer than us. */
export function openHistoryDatabase(dataDir: string): HistoryDatabase {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, HISTORY_FILE))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    // A reader and the writer never wait on each other in WAL; this only covers a checkpoint.
    db.pragma('busy_timeout = 2000')
    migrate(db)
  } catch (err) {
    db.close()
    throw err
  }
  return db
}

function migrate(db: HistoryDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > MIGRATIONS.length) {
    throw new Error(
      `${HISTORY_FILE} has schema version ${version}, newer than this orchestrator (${MIGRATIONS.length}); upgrade the orchestrator or move the file away`,
    )
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
