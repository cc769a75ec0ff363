/**
 * The Stats tab: peers and speeds over the stream's snapshot history as two small inline SVG
 * charts. Pure markup, so the server renders it for a page opened with `?open=` and the island
 * renders the same thing after each refresh.
 */
import type { StatSnapshot } from '../utils/types.ts'
import { formatBytes, formatClock, formatCount, formatSpeed } from '../utils/format.ts'
import { StateMessage } from './StateMessage.tsx'

const W = 600
const H = 120

export function HistoryChart({ history }: { history: StatSnapshot[] }) {
  if (history.length < 2) {
    return (
      <StateMessage kind="empty" title="Collecting history">
        The chart fills in as the orchestrator polls the engine; the first points appear after a
        couple of poll intervals.
      </StateMessage>
    )
  }
  const times = history.map((s) => Date.parse(s.ts))
  const last = history[history.length - 1]!
  const peers = history.map((s) => s.peers)
  const down = history.map((s) => s.speed_down)
  const up = history.map((s) => s.speed_up)
  const peerMax = niceMax(Math.max(...peers.map((v) => v ?? 0)))
  const speedMax = niceMax(Math.max(...down.map((v) => v ?? 0), ...up.map((v) => v ?? 0)))
  const first = history[0]!
  return (
    <div>
      <div class="charts">
        <figure class="chart">
          <figcaption>
            <span>
              Peers <strong>{formatCount(last.peers)}</strong>
            </span>
            <span>max {formatCount(peerMax)}</span>
          </figcaption>
          <Plot times={times} series={[peers]} max={peerMax} label="Connected peers over time" />
          <Foot from={first.ts} to={last.ts} />
        </figure>
        <figure class="chart">
          <figcaption>
            <span class="legend">
              <span class="l1">Down {formatSpeed(last.speed_down)}</span>
              <span class="l2">Up {formatSpeed(last.speed_up)}</span>
            </span>
            <span>max {formatSpeed(speedMax)}</span>
          </figcaption>
          <Plot
            times={times}
            series={[down, up]}
            max={speedMax}
            label="Download and upload speed over time"
          />
          <Foot from={first.ts} to={last.ts} />
        </figure>
      </div>
      <dl class="totals">
        <div>
          <dt>Downloaded</dt>
          <dd>{formatBytes(last.downloaded)}</dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>{formatBytes(last.uploaded)}</dd>
        </div>
        <div>
          <dt>Engine status</dt>
          <dd>{last.status ?? '—'}</dd>
        </div>
        <div>
          <dt>Samples</dt>
          <dd>{history.length}</dd>
        </div>
      </dl>
    </div>
  )
}

function Plot(props: { times: number[]; series: (number | null)[][]; max: number; label: string }) {
  const { times, series, max, label } = props
  const t0 = times[0]!
  const span = Math.max(1, times[times.length - 1]! - t0)
  const x = (t: number) => round(((t - t0) / span) * W)
  const y = (v: number) => round(H - (v / max) * (H - 4) - 2)
  return (
    <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <g class="grid">
        {[0.25, 0.5, 0.75].map((f) => (
          <line x1="0" x2={W} y1={round(H * f)} y2={round(H * f)} key={f} />
        ))}
      </g>
      {series.map((values, si) => {
        const pts = values
          .map((v, i) => (v == null ? null : `${x(times[i]!)},${y(v)}`))
          .filter((p): p is string => p !== null)
        if (pts.length === 0) return null
        const cls = `series-${si + 1}`
        return (
          <g key={si}>
            {si === 0 && (
              <polygon
                class={`area ${cls}`}
                points={`${pts[0]!.split(',')[0]},${H} ${pts.join(' ')} ${pts[pts.length - 1]!.split(',')[0]},${H}`}
              />
            )}
            <polyline class={`line ${cls}`} points={pts.join(' ')} />
          </g>
        )
      })}
    </svg>
  )
}

function Foot({ from, to }: { from: string; to: string }) {
  // Over a day or a week the clock alone is ambiguous: the date goes in front.
  const long = Date.parse(to) - Date.parse(from) > 20 * 3_600_000
  const at = (iso: string) =>
    long ? `${iso.slice(5, 10)} ${formatClock(iso).slice(0, 5)}` : formatClock(iso)
  return (
    <div class="chart-foot" aria-hidden="true">
      <span>{at(from)}</span>
      <span>{at(to)} UTC</span>
    </div>
  )
}

/** A round axis top a little above the data (1, 2, 5 times a power of ten). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p
  return 10 * p
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}
