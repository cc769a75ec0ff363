import type { StreamView } from '../../orchestrator/panel/client/types.ts'

/** A stream's state as a coloured pill; an engine that stopped answering shows as a warning. */
export function StatusPill({ stream }: { stream: StreamView }) {
  if (stream.status === 'ended') return <span class="pill">Ended</span>
  if (stream.last_error) {
    return (
      <span class="pill pill-warn" title={stream.last_error.message}>
        Engine not answering
      </span>
    )
  }
  return <span class="pill pill-ok">{stream.is_live ? 'Live' : 'Active'}</span>
}
