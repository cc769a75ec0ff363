import type { StreamRow } from '../utils/types.ts'

/** A stream's state as a coloured pill; an engine that stopped answering shows as a warning. */
export function StatusPill({ stream }: { stream: StreamRow }) {
  if (stream.status === 'ended') return <span class="pill">Ended</span>
  if (stream.last_error) {
    return (
      <span class="pill pill-warn" title={`Engine not answering: ${stream.last_error}`}>
        Unreachable
      </span>
    )
  }
  return <span class="pill pill-ok">{stream.is_live ? 'Live' : 'Active'}</span>
}
