/**
 * Peer Collector tab: the enable switch, the collector URL or URLs (comma-separated, one
 * collector per VPN; disabled while off), Test Connection (`POST /peer-collector/health` for
 * each URL at once, showing each collector's health or why it failed) and Save Settings
 * (`PATCH /config/runtime`, which persists across restarts).
 */
import { useSignal } from '@preact/signals'
import { Fragment } from 'preact'
import { SwitchField } from '../components/SwitchField.tsx'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'
import type { RuntimeSettings } from '../utils/types.ts'

export interface CollectorSettingsProps {
  enabled: boolean
  url: string | null
}

export const SUGGESTED_URL = 'http://gluetun:8080'
/** As many collectors as the orchestrator accepts in PEER_COLLECTOR_URL. */
const MAX_COLLECTORS = 8

type Health = Record<string, unknown>
type Message = { ok: boolean; text: string; health?: Health }
/** Test Connection's outcome: one message per URL tested, in the order given. */
type TestResult = { url: string; message: Message }[]

/** The URLs of a comma-separated list, as the orchestrator splits them. */
function splitUrls(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** A saved list as the field shows it: one URL as it is, several separated by ", ". */
function showUrls(list: string): string {
  return splitUrls(list).join(', ')
}

export default function CollectorSettings(props: CollectorSettingsProps) {
  const enabled = useSignal(props.enabled)
  const url = useSignal(props.url ? showUrls(props.url) : SUGGESTED_URL)
  const testing = useSignal(false)
  const saving = useSignal(false)
  const test = useSignal<TestResult | null>(null)
  const save = useSignal<Message | null>(null)

  // Every collector at once: one that hangs must not hold the others' results.
  const runTest = async () => {
    testing.value = true
    test.value = null
    try {
      const urls = splitUrls(url.value).slice(0, MAX_COLLECTORS)
      test.value = await Promise.all(urls.map(async (u) => ({ url: u, message: await testOne(u) })))
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
      url.value = s.PEER_COLLECTOR_URL ? showUrls(s.PEER_COLLECTOR_URL) : url.value
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
      <SwitchField
        name="PEER_COLLECTOR_ENABLED"
        label="Enable peer collection"
        hint="Adds a Peers tab to each stream on the Streams page."
        checked={enabled.value}
        onChange={(on) => {
          enabled.value = on
          test.value = null // a result for other settings would mislead
          save.value = null
        }}
      />
      <div class="field">
        <label for="collector-url">Collector URL</label>
        <input
          id="collector-url"
          name="PEER_COLLECTOR_URL"
          type="text"
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
          runs in Gluetun's network. With one collector per VPN, list them separated by commas (at
          most {MAX_COLLECTORS}); each is asked and their peers are merged.
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
      {test.value && <TestResults results={test.value} />}
      {save.value && <Result id="collector-save-result" message={save.value} />}
    </form>
  )
}

async function testOne(collectorUrl: string): Promise<Message> {
  try {
    const health = await apiCall<Health>('POST', '/peer-collector/health', {
      collector_url: collectorUrl,
    })
    return { ok: true, text: 'Connected. The collector answered:', health }
  } catch (err) {
    return { ok: false, text: `Connection failed. ${describeProblem(toProblem(err))}` }
  }
}

/** One URL: its message alone, as before; several: a summary, then one message per URL. */
function TestResults({ results }: { results: TestResult }) {
  if (results.length === 1)
    return <Result id="collector-test-result" message={results[0]!.message} />
  const connected = results.filter((r) => r.message.ok).length
  const ok = connected === results.length
  return (
    <div
      id="collector-test-result"
      class={`message ${ok ? 'message-ok' : 'message-bad'}`}
      role={ok ? 'status' : 'alert'}
      data-ok={ok ? 'true' : 'false'}
    >
      <div>
        {connected} of {results.length} collectors connected.
        <ul class="collector-results">
          {results.map((r) => (
            <li key={r.url} data-collector-url={r.url} data-ok={r.message.ok ? 'true' : 'false'}>
              <strong>{r.url}</strong>: {r.message.text}
              {r.message.health && <HealthSummary health={r.message.health} />}
            </li>
          ))}
        </ul>
      </div>
    </div>
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
