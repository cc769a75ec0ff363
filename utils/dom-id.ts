/** A stable DOM id for any string (stream ids hold `|` and other characters ids should not). */
export function domId(prefix: string, key: string): string {
  let h = 2166136261
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619)
  return `${prefix}-${(h >>> 0).toString(36)}`
}
