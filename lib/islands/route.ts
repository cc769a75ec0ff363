/**
 * The shape of a page module in `routes/`, after Fresh: a `handler` that loads data (or throws
 * an HttpError) and a default component that only renders it.
 *
 * @example
 * export const handler: Handler<StreamsData> = async (ctx) => ({ streams: await ctx.data.listStreams() })
 * export default function StreamsPage({ data }: PageProps<StreamsData>) { ... }
 */
import type { ComponentType } from 'preact'
import type { PanelData } from './data.ts'

export interface PanelOptions {
  /** How often the streams table refreshes itself (ms); the engine poll interval fits well. */
  refreshMs: number
  /** How often an open Peers tab asks again (ms); the original used 10 s. */
  peersRefreshMs: number
  /** Longest a page waits for a peer list it renders on the server (`?peers=<id>`). */
  pagePeersWaitMs: number
  /** Whether the orchestrator requires an API key for changes. */
  apiKeyRequired: boolean
}

export interface RouteContext {
  url: URL
  data: PanelData
  options: PanelOptions
  /** Render time (epoch ms), handed to islands so relative times agree after hydration. */
  now: number
}

export type Handler<T> = (ctx: RouteContext) => Promise<T>

export interface PageProps<T> {
  data: T
  url: URL
}

export interface RouteModule<T> {
  title: string
  handler: Handler<T>
  default: ComponentType<PageProps<T>>
}
