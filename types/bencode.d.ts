// Minimal declarations for bencode 4 (ships none). Byte strings decode to Uint8Array;
// after decode(), `decode.position` is the offset just past the first value.
declare module 'bencode' {
  interface Decode {
    (data: Uint8Array, encoding?: string): unknown
    position: number
  }
  const bencode: {
    encode(value: unknown): Uint8Array
    decode: Decode
    byteLength(value: unknown): number
  }
  export default bencode
}
