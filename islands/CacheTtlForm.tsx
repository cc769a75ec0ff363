/** General tab: how old a peer list may be before the collector looks again (CACHE_TTL_SECONDS). */
import { useSignal } from '@preact/signals'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'
import type { RuntimeSettings } from '../utils/types.ts'

export interface CacheTtlFormProps {
  ttlSeconds: number | null
}

// The orchestrator accepts 0 (always ask the swarm again) up to a day.
const MIN_TTL_S = 0
const MAX_TTL_S = 86_400

export default function CacheTtlForm({ ttlSeconds }: CacheTtlFormProps) {
  const value = useSignal(ttlSeconds == null ? '' : String(ttlSeconds))
  const busy = useSignal(false)
  const message = useSignal<{ ok: boolean; text: string } | null>(null)

  const save = async () => {
    const n = Number(value.value)
    if (!Number.isInteger(n) || n < MIN_TTL_S || n > MAX_TTL_S) {
      message.value = { ok: false, text: `Enter whole seconds from ${MIN_TTL_S} to ${MAX_TTL_S}.` }
      return
    }
    busy.value = true
    try {
      const s = await apiCall<RuntimeSettings>('PATCH', '/config/runtime', { CACHE_TTL_SECONDS: n })
      value.value = String(s.CACHE_TTL_SECONDS ?? n)
      message.value = { ok: true, text: `Saved. Peer lists are reused for up to ${value.value} s.` }
    } catch (err) {
      message.value = { ok: false, text: `Not saved. ${describeProblem(toProblem(err))}` }
    } finally {
      busy.value = false
    }
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <div class="field">
        <label for="cache-ttl">Peer list cache (seconds)</label>
        <div class="input-row">
          <input
            id="cache-ttl"
            name="CACHE_TTL_SECONDS"
            type="number"
            class="input-narrow"
            min={MIN_TTL_S}
            max={MAX_TTL_S}
            step={1}
            required
            value={value.value}
            onInput={(e) => (value.value = (e.currentTarget as HTMLInputElement).value)}
            aria-describedby="cache-ttl-hint"
          />
          <button class="btn btn-primary" type="submit" disabled={busy.value}>
            {busy.value ? 'Saving…' : 'Save'}
          </button>
        </div>
        <p class="hint" id="cache-ttl-hint">
          How long the collector may answer from its cache before it looks at the swarm again.
          Shorter is fresher; longer is lighter on the VPN link. Default 30.
        </p>
      </div>
      {message.value && (
        <p class={`message ${message.value.ok ? 'message-ok' : 'message-bad'}`} role="status">
          {message.value.text}
        </p>
      )}
    </form>
  )
}
