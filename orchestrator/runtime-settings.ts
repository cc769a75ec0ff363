import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import {
  collectorUrlListSchema,
  collectorUrlSchema,
  runtimePatchSchema,
  type RuntimePatch,
  type RuntimeSettings,
} from '../lib/contract/runtime-settings.ts'
import type { Logger } from '../lib/log.ts'

// The API's shapes live in the shared contract; the store below persists them.
export { collectorUrlListSchema, collectorUrlSchema, runtimePatchSchema }
export type { RuntimePatch, RuntimeSettings }

export const RUNTIME_SETTINGS_FILE = 'runtime-settings.json'
const TEMP_SUFFIX = '.tmp'

export interface RuntimeSettingsStoreOptions {
  dataDir: string
  /** First values, from the environment; the persisted file overrides what it holds. */
  initial: RuntimeSettings
  log: Logger
}

export interface RuntimeSettingsStore {
  get(): RuntimeSettings
  /** Validated patch in, persisted (atomically) before it takes effect; returns the new values. */
  update(patch: RuntimePatch): Promise<RuntimeSettings>
  /** Absolute path of the settings file, for messages and tests. */
  readonly file: string
}

/**
 * Runtime settings that survive restarts. Each change is written to a temp file in DATA_DIR,
 * fsynced, then renamed over `runtime-settings.json` (and the folder fsynced), so a crash leaves
 * either the old file or the new one, never a torn one. Leftover temp files are ignored and
 * removed at start.
 *
 * @example
 * const runtime = await createRuntimeSettingsStore({ dataDir: './data', initial, log })
 * await runtime.update({ PEER_COLLECTOR_ENABLED: true })
 */
export async function createRuntimeSettingsStore(
  opts: RuntimeSettingsStoreOptions,
): Promise<RuntimeSettingsStore> {
  const file = join(opts.dataDir, RUNTIME_SETTINGS_FILE)
  await ensureWritable(opts.dataDir)
  await removeLeftoverTemps(opts.dataDir, opts.log)
  let current: RuntimeSettings = { ...opts.initial, ...(await readPersisted(file, opts.log)) }
  // Writes run one after another so two PATCHes cannot interleave their renames.
  let queue: Promise<unknown> = Promise.resolve()

  return {
    file,
    get: () => ({ ...current }),
    update(patch) {
      const run = queue.then(async () => {
        const next: RuntimeSettings = { ...current }
        for (const [k, v] of Object.entries(patch)) {
          if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v
        }
        await writeAtomically(
          opts.dataDir,
          file,
          JSON.stringify({ version: 1, settings: next }, null, 2) + '\n',
        )
        current = next
        return { ...next }
      })
      queue = run.catch(() => undefined)
      return run
    },
  }
}

async function readPersisted(file: string, log: Logger): Promise<Partial<RuntimeSettings>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  let settings: unknown
  try {
    settings = (JSON.parse(text) as { settings?: unknown } | null)?.settings
  } catch (err) {
    // Only reachable if someone edited the file by hand: renames never leave it torn.
    log.warn('ignoring unreadable runtime settings file; using environment values', {
      file,
      err,
    })
    return {}
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    log.warn('runtime settings file holds no settings; using environment values', { file })
    return {}
  }
  // Field by field: a hand-edited value or a key from another version costs only itself.
  const fields: Record<string, z.ZodType> = runtimePatchSchema.shape
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(settings)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined
    if (!field) {
      log.warn('ignoring unknown key in runtime settings file', { file, key: key.slice(0, 100) })
      continue
    }
    const parsed = field.safeParse(value)
    if (!parsed.success || parsed.data === undefined) {
      log.warn('ignoring invalid value in runtime settings file; using the environment value', {
        file,
        key,
        problem: parsed.success ? 'no value' : parsed.error.issues[0]?.message,
      })
      continue
    }
    out[key] = parsed.data
  }
  return out as Partial<RuntimeSettings>
}

/** Thrown at start when DATA_DIR cannot be written, so the first Save does not fail instead. */
export class DataDirError extends Error {
  constructor(dir: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause)
    super(`DATA_DIR ${dir} is not writable (${code}); settings could not be saved`)
    this.name = 'DataDirError'
  }
}

/**
 * Creates DATA_DIR and proves it takes a file (permissions alone do not tell: root ignores
 * them, a read-only mount does not). The probe is named like a temp file, so an interrupted
 * start leaves nothing removeLeftoverTemps would not clean.
 */
async function ensureWritable(dir: string): Promise<void> {
  const probe = join(dir, `${RUNTIME_SETTINGS_FILE}.${process.pid}.probe${TEMP_SUFFIX}`)
  try {
    await mkdir(dir, { recursive: true })
    const fh = await open(probe, 'w', 0o600)
    await fh.close()
    await rm(probe, { force: true })
  } catch (err) {
    throw new DataDirError(dir, err)
  }
}

async function writeAtomically(dir: string, file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`
  const fh = await open(temp, 'wx', 0o600)
  try {
    await fh.writeFile(content, 'utf8')
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => undefined)
    await rm(temp, { force: true })
    throw err
  }
  await fh.close()
  try {
    await rename(temp, file)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  // The rename itself lives in the directory entry; sync it so it survives a power cut.
  const dh = await open(dir, 'r')
  try {
    await dh.sync()
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await dh.close()
  }
}

async function removeLeftoverTemps(dir: string, log: Logger): Promise<void> {
  const names = await readdir(dir)
  for (const name of names) {
    if (name.startsWith(`${RUNTIME_SETTINGS_FILE}.`) && name.endsWith(TEMP_SUFFIX)) {
      log.warn('removing half-written runtime settings temp file (interrupted save)', { name })
      await rm(join(dir, name), { force: true })
    }
  }
}
