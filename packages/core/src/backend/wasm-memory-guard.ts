/**
 * A clear error when the wasm heap is full. tfjs-backend-wasm does not check `_malloc`'s result:
 * past the heap's limit (wasm32 addresses 4 GB; this build stops near 3.7 GB) allocation returns
 * 0 and the tensor silently aliases address 0, so the run goes on with corrupt data until some
 * kernel aborts with a bare "Aborted()". Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';

const GUARDED = Symbol.for('selfsup.wasmMallocGuard');

/** The parts of tfjs-backend-wasm's Emscripten module that allocate on its heap. */
export interface EmscriptenModuleLike {
  _malloc(bytes: number): number;
  _free(address: number): void;
  HEAPU8: Uint8Array;
  [GUARDED]?: true;
}

/** Makes the active wasm backend's `_malloc` throw a clear error instead of returning 0. */
export function guardWasmMalloc(backend: tf.KernelBackend): void {
  const wasm = (backend as unknown as { wasm?: EmscriptenModuleLike }).wasm;
  if (wasm === undefined || typeof wasm._malloc !== 'function' || wasm[GUARDED]) return;
  // Emscripten's first _malloc call replaces Module._malloc with the raw export, which would
  // overwrite a wrapper installed before it: make that first call now.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number): number => {
    const address = malloc(bytes);
    if (address >>> 0 === 0 && bytes > 0) {
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
      throw new Error(
        `selfsup: the wasm backend is out of memory: allocating ${mb(bytes)} failed with the wasm ` +
          `heap at ${mb(wasm.HEAPU8.length)} (tensors hold ${mb(tf.memory().numBytes)}; ` +
          `WebAssembly's 32-bit addressing caps the heap at 4 GB). Reduce the batch size or the ` +
          `input size, train with gradient accumulation, or install @tensorflow/tfjs-node.`,
      );
    }
    return address;
  };
  wasm[GUARDED] = true;
}
