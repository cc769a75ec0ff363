/**
 * The alerts firing now (starvation, looping, collector down, swarm collapse), above the streams
 * table, refreshed from `GET /alerts` every `refreshMs`. Renders nothing while all is well.
 */
import { useSignal } from '@preact/signals'
import { apiGet } from '../utils/api.ts'
import { formatAgo, formatUtc } from '../utils/format.ts'
import type { ActiveAlert } from '../utils/types.ts'
import { usePoll } from '../utils/use-poll.ts'

export interface AlertsBannerProps {
  alerts: ActiveAlert[]
  now: number
  refreshMs: number
}

const LABELS: Record<string, string> = {
  starvation: 'Starving',
  looping: 'Looping',
  collector_down: 'Collector down',
  swarm_collapse: 'Swarm collapse',
}

export default function AlertsBanner(props: AlertsBannerProps) {
  const alerts = useSignal(props.alerts)
  const now = useSignal(props.now)
  usePoll(
    async (signal) => {
      try {
        alerts.value = await apiGet<ActiveAlert[]>('/alerts', signal)
      } catch {
        // the streams table already says when the orchestrator cannot be reached
      }
      now.value = Date.now()
    },
    props.refreshMs,
    [],
  )
  if (alerts.value.length === 0) return <div id="alerts" data-alerts="0" />
  return (
    <section
      id="alerts"
      class="alerts"
      data-alerts={String(alerts.value.length)}
      aria-label="Alerts"
    >
      <h2 class="visually-hidden">Alerts</h2>
      <ul>
        {alerts.value.map((a) => (
          <li key={`${a.kind}:${a.subject}`} class="alert" data-alert={a.kind} role="alert">
            <span class="pill pill-bad">{LABELS[a.kind] ?? a.kind}</span>
            <span class="alert-message">{a.message}</span>
            <time dateTime={a.since} title={formatUtc(a.since)} class="alert-since">
              {formatAgo(a.since, now.value)}
            </time>
          </li>
        ))}
      </ul>
    </section>
  )
}
