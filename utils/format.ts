/**
 * Number and time formatting shared by pages and islands, so the server's HTML and the
 * hydrated markup agree character for character.
 *
 * @example
 * formatSpeed(1536) // "1.5 MB/s" (the engine reports KB/s)
 */

const DASH = '—'

/** Engine speeds are KB/s. */
export function formatSpeed(kbps: number | null | undefined): string {
  if (kbps == null || !Number.isFinite(kbps)) return DASH
  if (kbps < 1000) return `${Math.round(kbps)} KB/s`
  return `${(kbps / 1024).toFixed(kbps < 10 * 1024 ? 1 : 0)} MB/s`
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return DASH
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i === 0 || v >= 100 ? 0 : 1)} ${units[i]}`
}

export function formatCount(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? DASH : String(Math.round(n))
}

/** "3 min ago", relative to `now` (passed in so server and client render the same text). */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return DASH
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return DASH
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 45) return 'just now'
  if (s < 90 * 60) return `${Math.max(1, Math.round(s / 60))} min ago`
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86400)} d ago`
}

/** Stable UTC text for `title` attributes and `<time>`; no locale so both sides agree. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
}

/** "12:04:05" in UTC, for chart axis ends. */
export function formatClock(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(11, 19)
}

/** Regional-indicator flag for an ISO-2 code; empty for unknown ("??", "", bad input). */
export function flagEmoji(code: string | null | undefined): string {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return ''
  const base = 0x1f1e6 - 65
  const up = code.toUpperCase()
  return String.fromCodePoint(base + up.charCodeAt(0), base + up.charCodeAt(1))
}

/** Long keys (40-hex infohashes, magnets) shortened for the table; the full key goes in title. */
export function shortKey(key: string, keep = 10): string {
  return key.length <= keep * 2 + 1 ? key : `${key.slice(0, keep)}…${key.slice(-6)}`
}

export function formatPercent(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return DASH
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`
}
