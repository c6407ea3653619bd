/**
 * The threaded wasm build in Node. tfjs-backend-wasm ships a build whose XNNPACK thread pool runs
 * matrix products and convolutions on several cores, but never selects it in Node (tfjs issue
 * #3830): its loader hands Emscripten `blob:` URLs for the worker script and for its own main
 * script, which Node's worker_threads cannot load. This module makes that loader work for one
 * initialization, pinned to the tfjs-backend-wasm version selfsup depends on:
 *
 * - while the backend initializes, `globalThis.Blob` and `URL.createObjectURL` are wrapped so that
 *   the two scripts tfjs puts into Blobs are written to a private temporary folder and referred to
 *   by path; the worker script's "load the main script from a Blob URL" branch is rewritten to
 *   load that file, and the main script gets the bundler's module-level names it refers to
 *   (`require$$0` for fs, ..., `commonjsGlobal`), which only exist inside tfjs's bundle;
 * - `os.cpus()` reports twice the requested threads during initialization: the C++ side caps the
 *   pool at half the logical cores (1 on a 2-vCPU machine) whatever `setThreadsCount` asked for,
 *   and divides by zero where `os.cpus()` lists no CPU (some containers do);
 * - afterwards every global is restored, the folder is deleted at exit, and the Emscripten
 *   workers are unref'd so that they do not keep the process alive.
 *
 * Any failure falls back to the single-threaded build (the caller retries without threads).
 * Internal to src/backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { nodeRequire, type WasmModule } from './_node';

const MAIN_MARKER = 'var WasmBackendModuleThreadedSimd';
const WORKER_LOAD =
  /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{[^}]*\}/;
// Module-level names of tfjs-backend-wasm's rollup bundle that the threaded factory refers to.
const BUNDLE_NAMES =
  'var require$$0 = require("fs"), require$$1 = require("path"), require$$2 = require("worker_threads"), ' +
  'require$$3 = require("perf_hooks"), require$$4 = require("os"), commonjsGlobal = globalThis;\n';

let folder: string | undefined;

/** Undoes {@link prepareWasmThreads}'s global patches. */
export type RestoreGlobals = () => void;

/**
 * Prepares the next wasm initialization to use the threaded build with `threads` threads.
 * Call right before `tf.setBackend('wasm')` and call the returned function right after it,
 * whatever its outcome.
 */
export function prepareWasmThreads(wasm: WasmModule, threads: number): RestoreGlobals {
  const os = nodeRequire()('os') as typeof import('node:os');
  if (folder === undefined) {
    const created = mkdtempSync(path.join(os.tmpdir(), 'selfsup-wasm-threads-'));
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    folder = created;
  }
  const dir = folder;
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');

  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL.bind(URL);
  const realCpus = os.cpus;
  const files = new WeakMap<object, string>();
  class FileBackedBlob extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      const [parts, options] = args;
      const text = parts?.every((p) => typeof p === 'string') ? parts.join('') : undefined;
      let file: string | undefined;
      if (text?.startsWith(MAIN_MARKER)) {
        writeFileSync(mainPath, BUNDLE_NAMES + text);
        file = mainPath;
      } else if (text !== undefined && WORKER_LOAD.test(text)) {
        writeFileSync(
          workerPath,
          text.replace(WORKER_LOAD, `importScripts(${JSON.stringify(mainPath)});`),
        );
        file = workerPath;
      }
      super(parts ?? [], options);
      if (file !== undefined) files.set(this, file);
    }
  }
  globalThis.Blob = FileBackedBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => files.get(obj) ?? realCreateObjectURL(obj);
  os.cpus = () => {
    const real = realCpus();
    const placeholder = {
      model: 'unknown',
      speed: 0,
      times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 },
    };
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length] ?? placeholder);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  };
}

/** Turns threads off again for a retry after a failed threaded initialization. */
export function disableWasmThreads(wasm: WasmModule): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
}

/** Lets the process exit while Emscripten's pthread workers are idle. */
export function unrefWasmWorkers(backend: tf.KernelBackend): void {
  const pthread = (
    backend as unknown as {
      wasm?: { PThread?: { unusedWorkers: unknown[]; runningWorkers: unknown[] } };
    }
  ).wasm?.PThread;
  if (pthread === undefined) return;
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) {
    (w as { unref?: () => void }).unref?.();
  }
}
