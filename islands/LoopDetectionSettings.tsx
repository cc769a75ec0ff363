/**
 * Loop Detection tab: the switch, threshold, check interval, stop option and retention
 * (`PATCH /config/runtime`, persisted, applied at the next check), and the streams flagged now
 * with Remove and Clear (`DELETE /looping-streams/{id}`, `POST /looping-streams/clear`).
 */
import { useSignal } from '@preact/signals'
import { SwitchField } from '../components/SwitchField.tsx'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'
import { formatUtc } from '../utils/format.ts'
import type { LoopingStream, RuntimeSettings } from '../utils/types.ts'

type Bounds = Record<'threshold' | 'interval' | 'retention', { min: number; max: number }>

export interface LoopDetectionSettingsProps {
  enabled: boolean
  thresholdS: number
  intervalS: number
  stop: boolean
  retentionS: number
  bounds: Bounds
  flagged: LoopingStream[]
}

type Message = { ok: boolean; text: string }

export default function LoopDetectionSettings(props: LoopDetectionSettingsProps) {
  const enabled = useSignal(props.enabled)
  const stop = useSignal(props.stop)
  const threshold = useSignal(String(props.thresholdS))
  const interval = useSignal(String(props.intervalS))
  const retention = useSignal(String(props.retentionS))
  const saving = useSignal(false)
  const saved = useSignal<Message | null>(null)
  const flagged = useSignal(props.flagged)
  const listMessage = useSignal<Message | null>(null)

  const numberOf = (label: string, raw: string, b: { min: number; max: number }) => {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isInteger(n) || n < b.min || n > b.max)
      throw new Error(`${label}: enter whole seconds from ${b.min} to ${b.max}.`)
    return n
  }

  const save = async () => {
    let body: Partial<RuntimeSettings>
    try {
      body = {
        LOOP_DETECTION_ENABLED: enabled.value,
        LOOP_DETECTION_THRESHOLD_S: numberOf('Threshold', threshold.value, props.bounds.threshold),
        LOOP_DETECTION_INTERVAL_S: numberOf('Check every', interval.value, props.bounds.interval),
        LOOP_DETECTION_STOP: stop.value,
        LOOP_DETECTION_RETENTION_S: numberOf('Keep', retention.value, props.bounds.retention),
      }
    } catch (err) {
      saved.value = { ok: false, text: (err as Error).message }
      return
    }
    saving.value = true
    saved.value = null
    try {
      const s = await apiCall<RuntimeSettings>('PATCH', '/config/runtime', body)
      enabled.value = s.LOOP_DETECTION_ENABLED
      stop.value = s.LOOP_DETECTION_STOP
      threshold.value = String(s.LOOP_DETECTION_THRESHOLD_S)
      interval.value = String(s.LOOP_DETECTION_INTERVAL_S)
      retention.value = String(s.LOOP_DETECTION_RETENTION_S)
      saved.value = {
        ok: true,
        text: s.LOOP_DETECTION_ENABLED
          ? `Saved. Live streams standing still for ${s.LOOP_DETECTION_THRESHOLD_S} s are flagged${s.LOOP_DETECTION_STOP ? ' and stopped' : ''}.`
          : 'Saved. Loop detection is off.',
      }
    } catch (err) {
      saved.value = { ok: false, text: `Not saved. ${describeProblem(toProblem(err))}` }
    } finally {
      saving.value = false
    }
  }

  const change = async (call: () => Promise<unknown>, done: string) => {
    listMessage.value = null
    try {
      await call()
      const l = await apiCall<{ streams: LoopingStream[] }>('GET', '/looping-streams')
      flagged.value = l.streams
      listMessage.value = { ok: true, text: done }
    } catch (err) {
      listMessage.value = { ok: false, text: describeProblem(toProblem(err)) }
    }
  }

  const edit = () => (saved.value = null)

  return (
    <div>
      <form
        id="loop-detection-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <SwitchField
          name="LOOP_DETECTION_ENABLED"
          label="Enable loop detection"
          hint={
            <>
              Flags a live stream whose broadcast position (the engine’s <code>live_last</code>)
              stops advancing: the broadcast is gone and the engine replays what it has.
            </>
          }
          checked={enabled.value}
          onChange={(on) => {
            enabled.value = on
            edit()
          }}
        />
        <NumberField
          id="loop-threshold"
          name="LOOP_DETECTION_THRESHOLD_S"
          label="Threshold (seconds)"
          hint="How long the live position may stand still before the stream is flagged. Default 3600."
          value={threshold.value}
          bounds={props.bounds.threshold}
          onInput={(v) => {
            threshold.value = v
            edit()
          }}
        />
        <NumberField
          id="loop-interval"
          name="LOOP_DETECTION_INTERVAL_S"
          label="Check every (seconds)"
          hint="How often streams are checked. Default 10."
          value={interval.value}
          bounds={props.bounds.interval}
          onInput={(v) => {
            interval.value = v
            edit()
          }}
        />
        <SwitchField
          name="LOOP_DETECTION_STOP"
          label="Stop looping streams"
          hint="Also sends stop to the engine session through its command URL."
          checked={stop.value}
          onChange={(on) => {
            stop.value = on
            edit()
          }}
        />
        <NumberField
          id="loop-retention"
          name="LOOP_DETECTION_RETENTION_S"
          label="Keep flagged streams (seconds)"
          hint="How long a stream stays listed after it recovered or ended; 0 keeps it until cleared."
          value={retention.value}
          bounds={props.bounds.retention}
          onInput={(v) => {
            retention.value = v
            edit()
          }}
        />
        <div class="actions">
          <button class="btn btn-primary" type="submit" disabled={saving.value}>
            {saving.value ? 'Saving…' : 'Save Settings'}
          </button>
        </div>
        {saved.value && (
          <p
            id="loop-save-result"
            class={`message ${saved.value.ok ? 'message-ok' : 'message-bad'}`}
            role={saved.value.ok ? 'status' : 'alert'}
            data-ok={saved.value.ok ? 'true' : 'false'}
          >
            {saved.value.text}
          </p>
        )}
      </form>

      <div class="section">
        <h3>Flagged streams</h3>
        {flagged.value.length === 0 ? (
          <p class="hint" id="looping-empty">
            No stream is flagged.
          </p>
        ) : (
          <table class="looping-list">
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">State</th>
                <th scope="col">Flagged</th>
                <th scope="col" class="num">
                  Still for
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {flagged.value.map((f) => (
                <tr key={f.stream_id} data-looping={f.stream_id}>
                  <td class="mono">{f.stream_id}</td>
                  <td>{f.state}</td>
                  <td>{formatUtc(f.detected_at)}</td>
                  <td class="num">{f.frozen_s} s</td>
                  <td>
                    <button
                      class="btn btn-small"
                      type="button"
                      onClick={() =>
                        void change(
                          () =>
                            apiCall(
                              'DELETE',
                              `/looping-streams/${encodeURIComponent(f.stream_id)}`,
                            ),
                          `Removed ${f.stream_id}.`,
                        )
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {flagged.value.length > 0 && (
          <div class="actions">
            <button
              class="btn"
              type="button"
              onClick={() =>
                void change(
                  () => apiCall('POST', '/looping-streams/clear', {}),
                  'Cleared the list.',
                )
              }
            >
              Clear list
            </button>
          </div>
        )}
        {listMessage.value && (
          <p class={`message ${listMessage.value.ok ? 'message-ok' : 'message-bad'}`} role="status">
            {listMessage.value.text}
          </p>
        )}
      </div>
    </div>
  )
}

function NumberField(props: {
  id: string
  name: string
  label: string
  hint: string
  value: string
  bounds: { min: number; max: number }
  onInput: (v: string) => void
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type="number"
        class="input-narrow"
        min={props.bounds.min}
        max={props.bounds.max}
        step={1}
        required
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        aria-describedby={`${props.id}-hint`}
      />
      <p class="hint" id={`${props.id}-hint`}>
        {props.hint}
      </p>
    </div>
  )
}
