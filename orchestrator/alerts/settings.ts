/** When alerts fire and where they are sent (see alert-center.ts and webhook.ts). */
import { defineSettings, int, optional, url } from '../../lib/settings.ts'

export const ALERT_SETTINGS = defineSettings({
  ALERT_WEBHOOK_URL: {
    default: undefined,
    doc: 'When set, every alert (firing and resolved) is POSTed here as JSON, retried with backoff',
    parse: optional(url()),
    secret: true,
  },
  ALERT_STARVATION_S: {
    default: '180',
    doc: 'Seconds a stream’s engine may report 0 peers and 0 download speed before a starvation alert',
    parse: int({ min: 5, max: 86_400 }),
  },
  ALERT_SWARM_COLLAPSE_PERCENT: {
    default: '50',
    doc: 'A swarm whose known peers drop by more than this percent within the window raises an alert',
    parse: int({ min: 1, max: 100 }),
  },
  ALERT_SWARM_COLLAPSE_WINDOW_S: {
    default: '600',
    doc: 'Window (s) over which a swarm collapse is measured',
    parse: int({ min: 10, max: 86_400 }),
  },
  SWARM_SAMPLE_INTERVAL_S: {
    default: '60',
    doc: 'Seconds between two samples of each active stream’s swarm through the collector (peer counts by source and country for history; collector health)',
    parse: int({ min: 5, max: 3600 }),
  },
  ALERT_EVENTS_MAX: {
    default: '1000',
    doc: 'Alert events kept in the event log (GET /events); the oldest go first',
    parse: int({ min: 10, max: 1_000_000 }),
  },
})
