/**
 * The islands' only way to the orchestrator API: same-origin fetches to the root JSON paths,
 * the API key (kept in localStorage) sent as `X-API-KEY` on state-changing calls, and every
 * failure turned into an `ApiProblem` a component can show.
 *
 * @example
 * const streams = await apiGet<StreamView[]>('/streams')
 */
import { signal } from '@preact/signals'
import { IS_BROWSER } from '../lib/islands/is-browser.ts'
import type { ApiProblem } from './types.ts'

const API_KEY_STORAGE = 'acestream-panel.api-key'
/** How long one API call may take before the UI says so; the collector path waits longest. */
export const API_TIMEOUT_MS = 35_000

/** Shared by every island on the page, so a key saved in General is used at once elsewhere. */
export const apiKey = signal<string>(IS_BROWSER ? readStoredKey() : '')

function readStoredKey(): string {
  try {
    return localStorage.getItem(API_KEY_STORAGE) ?? ''
  } catch {
    return '' // storage disabled (private mode, policy): the key lives for this page only
  }
}

export function saveApiKey(key: string): void {
  apiKey.value = key.trim()
  try {
    if (apiKey.value) localStorage.setItem(API_KEY_STORAGE, apiKey.value)
    else localStorage.removeItem(API_KEY_STORAGE)
  } catch {
    // see readStoredKey
  }
}

export class ApiError extends Error implements ApiProblem {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail?: string,
  ) {
    super(detail ? `${error}: ${detail}` : error)
  }
}

/** Turns anything a call threw into something to show. */
export function toProblem(err: unknown): ApiProblem {
  if (err instanceof ApiError) {
    const p: ApiProblem = { status: err.status, error: err.error }
    if (err.detail) p.detail = err.detail
    return p
  }
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    return { status: 0, error: 'The orchestrator did not answer in time' }
  }
  return { status: 0, error: 'Could not reach the orchestrator', detail: String(err) }
}

/** A sentence for a problem, with the fix when the cause is the API key. */
export function describeProblem(p: ApiProblem): string {
  if (p.status === 401 || p.status === 403) {
    return `${p.error}. Enter the orchestrator's API key in Settings → General.`
  }
  return p.detail ? `${p.error}: ${p.detail}` : p.error
}

export function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return apiCall<T>('GET', path, undefined, signal)
}

export async function apiCall<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && apiKey.value) headers['x-api-key'] = apiKey.value
  const timeout = AbortSignal.timeout(API_TIMEOUT_MS)
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    signal: signal ? anySignal([signal, timeout]) : timeout,
    cache: 'no-store',
  })
  const text = await res.text()
  let json: unknown = undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    // a proxy's HTML error page: reported below by status
  }
  if (!res.ok) {
    const o = (json ?? {}) as { error?: unknown; detail?: unknown }
    const error =
      typeof o.error === 'string' ? o.error : typeof o.detail === 'string' ? o.detail : ''
    const detail = typeof o.detail === 'string' && o.detail !== error ? o.detail : undefined
    throw new ApiError(res.status, error || `HTTP ${res.status} ${res.statusText}`, detail)
  }
  return json as T
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any
  if (any) return any(signals)
  const ctl = new AbortController()
  for (const s of signals) s.addEventListener('abort', () => ctl.abort(s.reason), { once: true })
  return ctl.signal
}
