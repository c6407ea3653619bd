import * as tf from '@tensorflow/tfjs';
import type { EmscriptenModuleLike } from './wasm-memory-guard';

/** What {@link trackWasmBuffers} returns. */
export interface WasmBufferTracker {
  /** Bytes live now: the starting figure plus every allocation since, minus every release. */
  readonly liveBytes: number;
  /** The most that was live at once since tracking started. */
  readonly peakBytes: number;
  /** Stops tracking (trackers must stop in the reverse order of their start) and returns the peak. */
  stop(): number;
}

/**
 * Tracks the bytes of tensor buffers live on the wasm heap, from its `_malloc`s and `_free`s:
 * the memory a training step really needs. tfjs's own figures (`tf.memory().numBytes`,
 * `tf.profile`'s `peakBytes`) count a buffer once per tensor sharing it, and every tensor saved
 * for the backward pass is such a clone, so they overstate it. Returns null when the active
 * backend is not wasm.
 *
 * @param startBytes What counts as live when tracking starts. Default `tf.memory().numBytes`
 *   (weights and optimizer state, which share no buffers); 0 measures what is added.
 *
 * @example
 * ```ts
 * const tracker = trackWasmBuffers();
 * trainer.step(batch);
 * console.log(`peak: ${(tracker!.stop() / 2 ** 20).toFixed(0)} MB`);
 * ```
 */
export function trackWasmBuffers(startBytes = tf.memory().numBytes): WasmBufferTracker | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm: EmscriptenModuleLike }).wasm;
  const { _malloc: malloc, _free: free } = wasm;
  const sizes = new Map<number, number>();
  let live = startBytes;
  let peak = live;
  wasm._malloc = (bytes) => {
    const address = malloc(bytes);
    sizes.set(address, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return address;
  };
  wasm._free = (address) => {
    live -= sizes.get(address) ?? 0;
    sizes.delete(address);
    free(address);
  };
  return {
    get liveBytes() {
      return live;
    },
    get peakBytes() {
      return peak;
    },
    stop() {
      wasm._malloc = malloc;
      wasm._free = free;
      return peak;
    },
  };
}
