// Process-tree helpers for the tests that check nothing outlives a stop. They read /proc (Linux)
// rather than running `ps`, which slim Debian images do not ship.
import { readdirSync, readFileSync } from 'node:fs'
import { eventually } from '../helpers/wait.ts'

function parentOf(pid: number): number | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null // gone meanwhile
  }
}

/** Every process below `pid`: children, grandchildren (a service's redis-server), ... */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const parent = parentOf(Number(name))
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), Number(name)])
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length) {
    for (const c of children.get(queue.pop()!) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}

/** True while `pid` exists and is not a zombie waiting for its parent. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Waits up to `ms` for all of `pids` to be gone; returns those still alive. */
export async function survivors(pids: number[], ms = 5000): Promise<number[]> {
  const gone = () => !pids.some(alive)
  await eventually(gone, { timeoutMs: ms, intervalMs: 100 }).catch(() => {})
  return pids.filter(alive)
}
