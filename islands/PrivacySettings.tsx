/**
 * General tab: the privacy switch that masks peer addresses in the dashboard and its exports
 * (`203.0.113.x`, IPv6 to its /48), saved at once with PATCH /config/runtime.
 */
import { useSignal } from '@preact/signals'
import { SwitchField } from '../components/SwitchField.tsx'
import { apiCall, describeProblem, toProblem } from '../utils/api.ts'
import type { RuntimeSettings } from '../utils/types.ts'

export interface PrivacySettingsProps {
  mask: boolean
}

export default function PrivacySettings({ mask }: PrivacySettingsProps) {
  const on = useSignal(mask)
  const busy = useSignal(false)
  const message = useSignal<{ ok: boolean; text: string } | null>(null)

  const save = async (next: boolean) => {
    busy.value = true
    try {
      const s = await apiCall<RuntimeSettings>('PATCH', '/config/runtime', {
        MASK_PEER_ADDRESSES: next,
      })
      on.value = s.MASK_PEER_ADDRESSES === true
      message.value = {
        ok: true,
        text: on.value ? 'Saved. Peer addresses are masked.' : 'Saved. Peer addresses are shown.',
      }
    } catch (err) {
      on.value = !next
      message.value = { ok: false, text: `Not saved. ${describeProblem(toProblem(err))}` }
    } finally {
      busy.value = false
    }
  }

  return (
    <>
      <SwitchField
        name="MASK_PEER_ADDRESSES"
        label="Mask peer addresses"
        hint="Shows peers as 203.0.113.x (IPv6 to its /48) in the Peers tab and its CSV and JSON exports, for screenshots and sharing. The JSON API still answers full addresses."
        checked={on.value}
        disabled={busy.value}
        onChange={(next) => {
          on.value = next
          void save(next)
        }}
      />
      {message.value && (
        <p class={`message ${message.value.ok ? 'message-ok' : 'message-bad'}`} role="status">
          {message.value.text}
        </p>
      )}
    </>
  )
}
