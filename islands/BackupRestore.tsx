/**
 * Backup tab: download the runtime settings as JSON (a plain link to `GET /config/runtime`,
 * so it works without JavaScript) and restore them from such a file through
 * `PATCH /config/runtime`. Only keys the orchestrator knows are sent.
 */
import { useSignal } from '@preact/signals'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'
import type { RuntimeSettings } from '../utils/types.ts'

export interface BackupRestoreProps {
  /** The settings keys `GET /config/runtime` returns; a backup may only restore these. */
  keys: string[]
}

export default function BackupRestore({ keys }: BackupRestoreProps) {
  const file = useSignal<File | null>(null)
  const busy = useSignal(false)
  const message = useSignal<{ ok: boolean; text: string } | null>(null)

  const restore = async () => {
    if (!file.value) return
    busy.value = true
    message.value = null
    try {
      let parsed: unknown
      try {
        parsed = JSON.parse(await file.value.text())
      } catch {
        throw new Error(`${file.value.name} is not a JSON file.`)
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('The file does not hold a settings object.')
      }
      const body = Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).filter(([k]) => keys.includes(k)),
      )
      if (Object.keys(body).length === 0) {
        throw new Error(`No known settings in the file (expected ${keys.join(', ')}).`)
      }
      await apiCall<RuntimeSettings>('PATCH', '/config/runtime', body)
      message.value = { ok: true, text: `Restored ${Object.keys(body).join(', ')}.` }
    } catch (err) {
      const text =
        err instanceof Error && !('status' in err) ? err.message : describeProblem(toProblem(err))
      message.value = { ok: false, text: `Nothing restored. ${text}` }
    } finally {
      busy.value = false
    }
  }

  return (
    <div>
      <div class="section">
        <h3>Download</h3>
        <p class="hint">The current runtime settings as a JSON file.</p>
        <div class="actions">
          <a class="btn" href="/config/runtime" download="acestream-runtime-settings.json">
            Download settings
          </a>
        </div>
      </div>
      <form
        class="section"
        onSubmit={(e) => {
          e.preventDefault()
          void restore()
        }}
      >
        <h3>Restore</h3>
        <div class="field">
          <label for="restore-file">Settings file</label>
          <input
            id="restore-file"
            type="file"
            accept="application/json,.json"
            onChange={(e) => {
              file.value = (e.currentTarget as HTMLInputElement).files?.[0] ?? null
              message.value = null
            }}
          />
          <p class="hint">Applies the file's values at once; they persist across restarts.</p>
        </div>
        <div class="actions">
          <button class="btn btn-primary" type="submit" disabled={!file.value || busy.value}>
            {busy.value ? 'Restoring…' : 'Restore settings'}
          </button>
        </div>
        {message.value && (
          <p
            id="restore-result"
            class={`message ${message.value.ok ? 'message-ok' : 'message-bad'}`}
            role="status"
          >
            {message.value.text}
          </p>
        )}
      </form>
    </div>
  )
}
