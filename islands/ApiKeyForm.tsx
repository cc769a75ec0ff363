/**
 * General tab: the API key this browser sends (as `X-API-KEY`) on every state-changing call.
 * It stays in this browser's localStorage and never reaches the server's HTML.
 */
import { useSignal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { apiKey, saveApiKey } from '../utils/api.ts'

export interface ApiKeyFormProps {
  /** Whether the orchestrator was started with API_KEY set. */
  required: boolean
}

export default function ApiKeyForm({ required }: ApiKeyFormProps) {
  // The server cannot see localStorage: render its view first, then the browser's.
  const mounted = useSignal(false)
  const draft = useSignal('')
  const message = useSignal<string | null>(null)
  useEffect(() => {
    mounted.value = true
  }, [])
  const saved = mounted.value && apiKey.value !== ''

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        saveApiKey(draft.value)
        message.value = draft.value.trim() ? 'Key saved in this browser.' : 'Key removed.'
        draft.value = ''
      }}
    >
      <div class="field">
        <label for="api-key">API key</label>
        <div class="input-row">
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            placeholder={saved ? '•••••••• (saved)' : 'Paste the orchestrator API_KEY'}
            value={draft.value}
            onInput={(e) => (draft.value = (e.currentTarget as HTMLInputElement).value)}
            aria-describedby="api-key-hint"
          />
          <button class="btn btn-primary" type="submit" disabled={!mounted.value}>
            Save key
          </button>
          {saved && (
            <button
              class="btn"
              type="button"
              onClick={() => {
                saveApiKey('')
                message.value = 'Key removed.'
              }}
            >
              Forget
            </button>
          )}
        </div>
        <p class="hint" id="api-key-hint">
          {required
            ? 'This orchestrator requires a key for changes (saving settings, stopping streams). '
            : 'This orchestrator has no API_KEY set, so changes need no key. '}
          The key is kept in this browser only and sent as the <code>X-API-KEY</code> header.
          {mounted.value && (saved ? ' A key is saved.' : ' No key is saved.')}
        </p>
      </div>
      {message.value && (
        <p class="message message-ok" role="status">
          {message.value}
        </p>
      )}
    </form>
  )
}
