/** The panel's page for unknown `/panel/...` paths and failed page handlers. */
import type { ErrorData } from '../lib/islands/pages.ts'
import type { PageProps } from '../lib/islands/route.ts'

export const title = 'Not found'

export default function ErrorPage({ data }: PageProps<ErrorData>) {
  return (
    <div class="card empty-state">
      <strong>{data.status === 404 ? 'Page not found' : 'Something went wrong'}</strong>
      <p>{data.message}</p>
      <p>
        <a class="btn" href="/panel/streams">
          Go to Streams
        </a>
      </p>
    </div>
  )
}
