/**
 * The shape of a page module, after Fresh: a `handler` that loads data (or throws an HttpError)
 * and a default component that only renders it. `C` is what the app hands every handler.
 *
 * @example
 * export const handler: Handler<StreamsData, PanelContext> = async ({ data }) => ({ ... })
 * export default function StreamsPage({ data }: PageProps<StreamsData>) { ... }
 */
import type { ComponentType } from 'preact'

export type Handler<T, C> = (ctx: C) => Promise<T>

export interface PageProps<T> {
  data: T
  url: URL
}

export interface RouteModule<T, C> {
  title: string
  handler: Handler<T, C>
  default: ComponentType<PageProps<T>>
}
