/**
 * Peer Collector tab: the enable switch, the collector URL (disabled while off), Test
 * Connection (`POST /peer-collector/health`, shows the collector's health or why it failed)
 * and Save Settings (`PATCH /config/runtime`, which persists across restarts).
 */
import { useSignal } from '@preact/signals'
import { Fragment } from 'preact'
import { apiCall, describeProblem, toProblem } from '../orchestrator/panel/client/api.ts'
import type { RuntimeSettings } from '../orchestrator/panel/client/types.ts'

export interface CollectorSettingsProps {
  enabled: boolean
  url: string | null
}

export const SUGGESTED_URL = 'http://gluetun:8080'

type Health = Record<string, unknown>
type Message = { ok: boolean; text: string; health?: Health }

export default function CollectorSettings(props: CollectorSettingsProps) {
  const enabled = useSignal(props.enabled)
  const url = useSignal(props.url ?? SUGGESTED_URL)
  const testing = useSignal(false)
  const saving = useSignal(false)
  const test = useSignal<Message | null>(null)
  const save = useSignal<Message | null>(null)

  const runTest = async () => {
    testing.value = true
    test.value = null
    try {
      const health = await apiCall<Health>('POST', '/peer-collector/health', {
        collector_url: url.value.trim(),
      })
      test.value = { ok: true, text: 'Connected. The collector answered:', health }
    } catch (err) {
      test.value = { ok: false, text: `Connection failed. ${describeProblem(toProblem(err))}` }
    } finally {
      testing.value = false
    }
  }

  const runSave = async () => {
    saving.value = true
    save.value = null
    try {
      const body: Partial<RuntimeSettings> = { PEER_COLLECTOR_ENABLED: enabled.value }
      if (url.value.trim()) body.PEER_COLLECTOR_URL = url.value.trim()
      const s = await apiCall<RuntimeSettings>('PATCH', '/config/runtime', body)
      enabled.value = s.PEER_COLLECTOR_ENABLED
      url.value = s.PEER_COLLECTOR_URL ?? url.value
      save.value = {
        ok: true,
        text: s.PEER_COLLECTOR_ENABLED
          ? 'Settings saved. Streams now show a Peers tab.'
          : 'Settings saved. Peer collection is off; streams show peer counts only.',
      }
    } catch (err) {
      save.value = { ok: false, text: `Settings not saved. ${describeProblem(toProblem(err))}` }
    } finally {
      saving.value = false
    }
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        void runSave()
      }}
    >
      <div class="field">
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            name="PEER_COLLECTOR_ENABLED"
            checked={enabled.value}
            onChange={(e) => {
              enabled.value = (e.currentTarget as HTMLInputElement).checked
              test.value = null // a result for other settings would mislead
              save.value = null
            }}
          />
          Enable peer collection
        </label>
        <p class="hint">Adds a Peers tab to each stream on the Streams page.</p>
      </div>
      <div class="field">
        <label for="collector-url">Collector URL</label>
        <input
          id="collector-url"
          name="PEER_COLLECTOR_URL"
          type="url"
          inputMode="url"
          spellcheck={false}
          placeholder={SUGGESTED_URL}
          value={url.value}
          disabled={!enabled.value}
          onInput={(e) => {
            url.value = (e.currentTarget as HTMLInputElement).value
            test.value = null
            save.value = null
          }}
          aria-describedby="collector-url-hint"
        />
        <p class="hint" id="collector-url-hint">
          Where the orchestrator reaches the collector, usually <code>{SUGGESTED_URL}</code> when it
          runs in Gluetun's network.
        </p>
      </div>
      <div class="actions">
        <button
          class="btn"
          type="button"
          disabled={!enabled.value || testing.value || !url.value.trim()}
          onClick={() => void runTest()}
        >
          {testing.value ? 'Testing…' : 'Test Connection'}
        </button>
        <button class="btn btn-primary" type="submit" disabled={saving.value}>
          {saving.value ? 'Saving…' : 'Save Settings'}
        </button>
      </div>
      {test.value && <Result id="collector-test-result" message={test.value} />}
      {save.value && <Result id="collector-save-result" message={save.value} />}
    </form>
  )
}

function Result({ id, message }: { id: string; message: Message }) {
  return (
    <div
      id={id}
      class={`message ${message.ok ? 'message-ok' : 'message-bad'}`}
      role={message.ok ? 'status' : 'alert'}
      data-ok={message.ok ? 'true' : 'false'}
    >
      <div>
        {message.text}
        {message.health && <HealthSummary health={message.health} />}
      </div>
    </div>
  )
}

const HEALTH_FIELDS: [string, string][] = [
  ['status', 'Status'],
  ['warnings', 'Warnings'],
  ['version', 'Version'],
  ['uptime_s', 'Uptime (s)'],
  ['dht_nodes', 'DHT nodes'],
  ['tracked_swarms', 'Tracked swarms'],
  ['redis_available', 'Redis'],
  ['geoip_available', 'GeoIP'],
]

function HealthSummary({ health }: { health: Health }) {
  const known = HEALTH_FIELDS.filter(([k]) => health[k] !== undefined)
  return (
    <>
      {known.length > 0 && (
        <dl class="health-list">
          {known.map(([k, label]) => (
            <Fragment key={k}>
              <dt>{label}</dt>
              <dd>{show(health[k])}</dd>
            </Fragment>
          ))}
        </dl>
      )}
      <details>
        <summary>Full answer</summary>
        <pre class="health">{JSON.stringify(health, null, 2)}</pre>
      </details>
    </>
  )
}

function show(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (Array.isArray(v)) return v.length ? v.join('; ') : 'none'
  if (v !== null && typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
