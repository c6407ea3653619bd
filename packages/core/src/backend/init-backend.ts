import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadWasmModule, nodeRequire, wasmDistDir } from './_node';
import { registerReluGradient } from '../ops/relu-gradient';
import { installLeanBackprop } from './lean-backprop';
import { registerTileGradient } from '../ops/tile-gradient';
import { guardWasmMalloc } from './wasm-memory-guard';
import { disableWasmThreads, prepareWasmThreads, unrefWasmWorkers } from './wasm-threads';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels';
import { nativeKernelsStatus, setNativeThreads, useNativeKernels } from './native-kernels';

/**
 * Which backend {@link initBackend} should use; 'auto' picks the fastest that loads.
 *
 * @example
 * ```ts
 * const preference: BackendPreference = process.env.CI ? 'wasm' : 'auto';
 * await initBackend(preference);
 * ```
 */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Options of {@link initBackend}.
 *
 * @example
 * ```ts
 * await initBackend('auto', { quiet: false }); // keep tfjs's own warnings
 * ```
 */
export interface InitBackendOptions {
  /**
   * Set tfjs's PROD flag, which silences its warnings, in particular the "looks like you are
   * running TensorFlow.js in Node.js" banner (redundant once {@link BackendInfo.reason} says why
   * tfjs-node is not used). Default true.
   */
  quiet?: boolean;
  /**
   * Compute threads on the wasm backend. Default: the `SELFSUP_WASM_THREADS` environment
   * variable, else {@link DEFAULT_WASM_THREADS}. With `@selfsup/native` active, its pool gets
   * them and the wasm module itself runs on one thread (its idle workers spin, which took the
   * cores from native's pool); otherwise the wasm module's products and convolutions (XNNPACK)
   * run on this many. Only the first wasm initialization in a process sets the wasm module's
   * threads; more than 1 uses tfjs's threaded build, which selfsup loads in Node itself (tfjs
   * does not), and falls back to 1 thread if that fails (the reason says so).
   */
  threads?: number;
  /**
   * Run matrix products and convolutions on `@selfsup/native` (compiled C++ with AVX-512 / AVX2,
   * on the wasm heap) when it is installed. Default: true, unless `SELFSUP_NATIVE=0`. Its pool
   * takes {@link InitBackendOptions.threads}.
   */
  native?: boolean;
}

/**
 * What {@link initBackend} selected and why.
 *
 * @example
 * ```ts
 * const info: BackendInfo = await initBackend();
 * // e.g. { name: 'wasm', threads: 1, reason: 'Using the wasm backend (SIMD, 1 thread, ...), chosen
 * //        because @tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed ...' }
 * ```
 */
export interface BackendInfo {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** A sentence saying why this backend was chosen, and why each better candidate was not. */
  reason: string;
  /**
   * Number of threads the wasm backend computes with (wasm only): `@selfsup/native`'s pool when
   * it is active, else the wasm module's.
   */
  threads?: number;
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const INSTALL_HINT =
  'install it with `npm install @tensorflow/tfjs-node@' +
  tf.version_core +
  '` (`@tensorflow/tfjs-node-gpu@' +
  tf.version_core +
  '` for CUDA GPUs); its install script downloads libtensorflow, so it needs network access';

let cached: { preference: BackendPreference; info: BackendInfo } | undefined;
let pending: { preference: BackendPreference; promise: Promise<BackendInfo> } | undefined;

/**
 * Selects and initializes the TensorFlow.js backend for training, and says why.
 *
 * - `'auto'` (the default, or the `SELFSUP_BACKEND` environment variable when set) tries, in
 *   order, `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node` (optional peers: a missing one is
 *   skipped, never an error), then `wasm`, then `cpu`.
 * - `'tensorflow'` requires tfjs-node(-gpu) and throws, with install instructions, if neither loads.
 * - `'wasm'` and `'cpu'` force that backend.
 *
 * When wasm is selected its `.wasm` binaries are located from the installed package (so this works
 * from the ESM and the CJS build and under vitest) and {@link registerWasmTrainingKernels} adds the
 * kernels training needs; on every backend, {@link registerTileGradient} replaces tfjs's
 * per-tile gradient of `tf.tile` / `tf.broadcastTo`. A second call with the same preference while that backend is still
 * active returns the first result without doing anything.
 *
 * With `threads` above 1 (or `SELFSUP_WASM_THREADS`), wasm uses tfjs's threaded build, which
 * tfjs itself never loads in Node (tfjs issue #3830); see `wasm-threads.ts` for how.
 *
 * @example
 * ```ts
 * import { initBackend } from '@selfsup/core';
 * const info = await initBackend();          // or initBackend('wasm'), or SELFSUP_BACKEND=cpu
 * console.log(`backend ${info.name}: ${info.reason}`);
 * ```
 */
export async function initBackend(
  preference?: BackendPreference,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const pref = resolvePreference(preference);
  const quiet = options.quiet ?? true;
  if (options.native !== undefined) useNativeKernels(options.native);
  if (cached !== undefined && cached.preference === pref && tf.getBackend() === cached.info.name) {
    if (quiet) tf.env().set('PROD', true);
    return { ...cached.info };
  }
  if (pending !== undefined && pending.preference === pref) return { ...(await pending.promise) };
  const promise = select(pref, quiet, resolveThreads(options.threads));
  pending = { preference: pref, promise };
  try {
    const info = await promise;
    cached = { preference: pref, info };
    return { ...info };
  } finally {
    if (pending?.promise === promise) pending = undefined;
  }
}

/**
 * Threads the wasm backend uses unless {@link InitBackendOptions.threads} or
 * `SELFSUP_WASM_THREADS` says otherwise: the machine's cores, at most 4. Measured on 2 vCPUs
 * (`npm run bench`): 2 threads made a training step 1.5-1.9x faster than 1 on the conv, ViT and
 * BERT workloads, about the same on a conv1d stack with batch 8.
 *
 * @example
 * ```ts
 * await initBackend('wasm', { threads: DEFAULT_WASM_THREADS });
 * ```
 */
export const DEFAULT_WASM_THREADS = Math.max(1, Math.min(availableParallelism(), 4));

function resolveThreads(threads: number | undefined): number {
  const fromEnv = process.env.SELFSUP_WASM_THREADS?.trim();
  const value = threads ?? (fromEnv ? Number(fromEnv) : DEFAULT_WASM_THREADS);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      threads !== undefined
        ? `initBackend: threads must be a positive integer, got ${String(threads)}`
        : `initBackend: environment variable SELFSUP_WASM_THREADS must be a positive integer, got '${fromEnv}'`,
    );
  }
  return value;
}

function resolvePreference(preference: BackendPreference | undefined): BackendPreference {
  if (preference !== undefined) {
    if (!PREFERENCES.includes(preference)) {
      throw new Error(
        `initBackend: expected one of ${PREFERENCES.join(', ')}, got '${String(preference)}'`,
      );
    }
    return preference;
  }
  const fromEnv = process.env.SELFSUP_BACKEND?.trim().toLowerCase();
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (!(PREFERENCES as readonly string[]).includes(fromEnv)) {
    throw new Error(
      `initBackend: environment variable SELFSUP_BACKEND must be one of ${PREFERENCES.join(', ')}, got '${process.env.SELFSUP_BACKEND}'`,
    );
  }
  return fromEnv as BackendPreference;
}

async function select(
  pref: BackendPreference,
  quiet: boolean,
  threadsWanted: number,
): Promise<BackendInfo> {
  registerTileGradient();
  registerReluGradient();
  // SELFSUP_LEAN_BACKPROP=0: tfjs's own backward pass, for comparisons.
  if (process.env.SELFSUP_LEAN_BACKPROP?.trim() !== '0') installLeanBackprop();
  const failures: string[] = [];
  const done = (info: BackendInfo): BackendInfo => {
    if (quiet) tf.env().set('PROD', true);
    return info;
  };

  if (pref === 'auto' || pref === 'tensorflow') {
    for (const pkg of NODE_PACKAGES) {
      const failure = await tryNodePackage(pkg);
      if (failure === undefined) {
        const why = failures.length > 0 ? ` (${failures.join('; ')})` : '';
        return done({
          name: 'tensorflow',
          reason: `Using the native TensorFlow backend from ${pkg}${why}.`,
        });
      }
      failures.push(failure);
    }
    if (pref === 'tensorflow') {
      throw new Error(
        `initBackend('tensorflow'): no native TensorFlow backend could be loaded: ${failures.join('; ')}. ` +
          `To use it, ${INSTALL_HINT}. Otherwise use initBackend('auto') or 'wasm'.`,
      );
    }
  }

  if (pref === 'auto' || pref === 'wasm') {
    const notes: string[] = [];
    // With @selfsup/native doing the heavy kernels, wasm runs on one thread: its idle workers
    // spin and took the cores from native's pool (a SimCLR ConvNet step: 610 ms with 2 wasm
    // threads beside 2 native ones, 460 ms with 1).
    const nativeActive = nativeKernelsStatus().active;
    const failure = await tryWasm(nativeActive ? 1 : threadsWanted, notes);
    if (failure === undefined) {
      const kernels = registerWasmTrainingKernels();
      guardWasmMalloc(tf.backend());
      const threads = loadWasmModule().getThreadsCount();
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      setNativeThreads(threadsWanted);
      const native = nativeKernelsStatus();
      const nativeNote = native.active
        ? `; products and convolutions on @selfsup/native (${native.isa}, ${native.threads} thread${native.threads === 1 ? '' : 's'})`
        : `; @selfsup/native not used: ${native.reason}`;
      const why =
        pref === 'auto'
          ? `chosen because ${failures.join('; ')}. For a faster native backend, ${INSTALL_HINT}`
          : 'as requested';
      return done({
        name: 'wasm',
        reason:
          `Using the wasm backend (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}, ` +
          `${kernels.length} selfsup training kernels registered${nativeNote}), ${why}.` +
          (notes.length > 0 ? ` Note: ${notes.join('; ')}.` : ''),
        threads: native.active ? (native.threads ?? threads) : threads,
      });
    }
    if (pref === 'wasm') throw new Error(`initBackend('wasm'): ${failure}`);
    failures.push(failure);
  }

  if (!(await tf.setBackend('cpu'))) throw new Error("initBackend: tf.setBackend('cpu') failed");
  const why = pref === 'auto' ? `chosen because ${failures.join('; ')}` : 'as requested';
  return done({
    name: 'cpu',
    reason: `Using the pure-JavaScript cpu backend (correct but far too slow to train real models), ${why}.`,
  });
}

/** Loads a tfjs-node package and activates its backend; returns why it failed, or undefined. */
async function tryNodePackage(pkg: string): Promise<string | undefined> {
  try {
    nodeRequire()(pkg);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(pkg))
      return `${pkg} is not installed`;
    return `${pkg} is installed but failed to load (${err.message.split('\n')[0]})`;
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return `${pkg} loaded but registered no 'tensorflow' backend (is its version ${tf.version_core}, like @tensorflow/tfjs?)`;
  }
  try {
    if (await tf.setBackend('tensorflow')) return undefined;
    return `${pkg} loaded but its backend failed to initialize`;
  } catch (e) {
    return `${pkg} loaded but its backend failed to initialize (${(e as Error).message})`;
  }
}

/** Whether this process has initialized the wasm backend (its thread count is then fixed). */
let wasmInitialized = false;

/**
 * Loads and activates the wasm backend with `threads` threads (honoured only by the first
 * initialization in the process); returns why it failed, or undefined. A failed threaded start
 * falls back to one thread and leaves the reason in `notes`.
 */
async function tryWasm(threads: number, notes: string[]): Promise<string | undefined> {
  let wasm: ReturnType<typeof loadWasmModule>;
  try {
    wasm = loadWasmModule();
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  try {
    // Only has an effect before the backend's first initialization (later ones reuse the module).
    wasm.setWasmPaths(wasmDistDir());
  } catch {
    // Thrown only after a failed initialization, which setBackend below reports.
  }
  const threaded = threads > 1 && !wasmInitialized;
  if (threads > 1 && wasmInitialized && wasm.getThreadsCount() !== threads) {
    notes.push(
      `${threads} threads were asked for, but the wasm backend was already initialized in this process with ${wasm.getThreadsCount()}`,
    );
  }
  const attempt = async (): Promise<string | undefined> => {
    // Emscripten's module adds process listeners that rethrow every uncaught error after printing
    // the whole minified wasm glue source: a user's own error would drown in it. Remove them.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    try {
      if (await tf.setBackend('wasm')) return undefined;
      return 'the wasm backend failed to initialize (tfjs logged the cause unless its PROD flag is set)';
    } catch (e) {
      return `the wasm backend failed to initialize (${(e as Error).message})`;
    } finally {
      for (const listener of process.listeners('uncaughtException')) {
        if (!before.uncaughtException.includes(listener)) {
          process.removeListener('uncaughtException', listener);
        }
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!before.unhandledRejection.includes(listener)) {
          process.removeListener('unhandledRejection', listener);
        }
      }
    }
  };
  let failure: string | undefined;
  if (threaded) {
    const restore = prepareWasmThreads(wasm, threads);
    try {
      failure = await attempt();
    } finally {
      restore();
    }
    if (failure !== undefined) {
      notes.push(`the threaded wasm build failed (${failure}), so it runs on 1 thread`);
      disableWasmThreads(wasm);
      failure = await attempt();
    }
  } else {
    failure = await attempt();
  }
  if (failure === undefined) {
    wasmInitialized = true;
    unrefWasmWorkers(tf.backend());
  }
  return failure;
}
