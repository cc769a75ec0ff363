/**
 * Stops a stream (`DELETE /streams/{id}`, which tells the engine to stop) after a second click,
 * so a slip of the finger never ends someone's stream. Sends the saved API key.
 */
import { useSignal } from '@preact/signals'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'

export function StopStream({ streamId, onStopped }: { streamId: string; onStopped?: () => void }) {
  const step = useSignal<'idle' | 'confirm' | 'busy'>('idle')
  const message = useSignal<{ ok: boolean; text: string } | null>(null)

  const stop = async () => {
    step.value = 'busy'
    try {
      await apiCall('DELETE', `/streams/${encodeURIComponent(streamId)}`)
      message.value = { ok: true, text: 'Stopped.' }
      onStopped?.()
    } catch (err) {
      message.value = { ok: false, text: `Not stopped. ${describeProblem(toProblem(err))}` }
    } finally {
      step.value = 'idle'
    }
  }

  return (
    <div class="stop">
      {message.value && (
        <span
          class={message.value.ok ? 'stop-ok' : 'stop-bad'}
          role={message.value.ok ? 'status' : 'alert'}
        >
          {message.value.text}
        </span>
      )}
      {step.value === 'confirm' ? (
        <>
          <button class="btn btn-small btn-danger" type="button" onClick={() => void stop()}>
            Confirm stop
          </button>
          <button class="btn btn-small" type="button" onClick={() => (step.value = 'idle')}>
            Cancel
          </button>
        </>
      ) : (
        <button
          class="btn btn-small"
          type="button"
          disabled={step.value === 'busy'}
          onClick={() => {
            message.value = null
            step.value = 'confirm'
          }}
        >
          {step.value === 'busy' ? 'Stopping…' : 'Stop stream'}
        </button>
      )}
    </div>
  )
}
