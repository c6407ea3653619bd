/**
 * Derives a 32-bit seed from integer parts (a stage seed, an epoch, an element index) with the
 * splitmix32 finalizer. Each part is split into its low and high 32 bits, so any safe integer
 * contributes fully. Pure: the same parts give the same seed in every process.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x243f6a88;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(Math.abs(part) / 4294967296) >>> 0;
    h = mix32((h ^ lo) >>> 0);
    h = mix32((h ^ hi ^ 0x9e3779b9) >>> 0);
  }
  return h >>> 0;
}

function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
