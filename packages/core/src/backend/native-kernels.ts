/**
 * The optional `@selfsup/native` addon: matrix products and convolutions compiled for the CPU
 * (AVX-512 / AVX2 + FMA), which the wasm kernels run on the wasm heap in place of XNNPACK's
 * 128-bit wasm SIMD. Measured on this project's 2-vCPU x86 machines: a 1024^3 product at ~140
 * GFLOP/s on one thread against ~25 for XNNPACK.
 *
 * The kernels ask {@link activeNativeKernels} at every call, so switching it off (option
 * `native: false` of `initBackend`, `SELFSUP_NATIVE=0`, or {@link useNativeKernels}) takes effect
 * at once and the wasm-only paths stay available and tested.
 */
import { nodeRequire } from './_node';

/** Shapes of a channels-last 2-D convolution, as `@selfsup/native` takes them. */
export interface NativeConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  top: number;
  left: number;
}

/** The part of `@selfsup/native`'s kernels that core uses (declared here: the addon is optional). */
export interface NativeKernelsLike {
  readonly isa: string;
  threads(): number;
  setThreads(threads: number): number;
  matMul(options: {
    a: { data: Float32Array; offset?: number; ld?: number };
    b: { data: Float32Array; offset?: number; ld?: number };
    c: { data: Float32Array; offset?: number; ld?: number };
    m: number;
    n: number;
    k: number;
    transA?: boolean;
    transB?: boolean;
    accumulate?: boolean;
    batch?: number;
    strides?: { a: number; b: number; c: number };
  }): void;
  conv2d(g: NativeConvGeometry, x: Float32Array, filter: Float32Array, y: Float32Array): void;
  conv2dBackpropInput(
    g: NativeConvGeometry,
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
  ): void;
  conv2dBackpropFilter(
    g: NativeConvGeometry,
    x: Float32Array,
    dy: Float32Array,
    dfilter: Float32Array,
  ): void;
  unary(fn: 'exp' | 'erf', x: Float32Array, y: Float32Array): void;
  binary(o: {
    op: 'add' | 'sub' | 'mul';
    a: Float32Array;
    aBroadcast: 'full' | 'row' | 'column' | 'scalar';
    b: Float32Array;
    bBroadcast: 'full' | 'row' | 'column' | 'scalar';
    outer: number;
    inner: number;
    out: Float32Array;
  }): void;
  reduceMax(o: {
    x: Float32Array;
    outer: number;
    rows: number;
    inner: number;
    out: Float32Array;
  }): void;
  reduceSum(o: {
    x: Float32Array;
    outer: number;
    rows: number;
    inner: number;
    scale?: number;
    out: Float32Array;
  }): void;
  maxPoolGrad(g: NativeConvGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  batchNormForward(o: {
    x: Float32Array;
    gamma: Float32Array;
    beta: Float32Array;
    epsilon: number;
    y: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
    invStd: Float32Array;
    rows: number;
    channels: number;
  }): void;
  batchNormBackward(o: {
    dy: Float32Array;
    x: Float32Array;
    mean: Float32Array;
    invStd: Float32Array;
    gamma: Float32Array;
    dx: Float32Array;
    dgamma: Float32Array;
    dbeta: Float32Array;
    rows: number;
    channels: number;
  }): void;
}

/**
 * Whether the native kernels are available and in use.
 *
 * @example
 * ```ts
 * const s = nativeKernelsStatus();
 * console.log(s.active ? `native ${s.isa}, ${s.threads} threads` : s.reason);
 * ```
 */
export interface NativeKernelsStatus {
  /** The addon loaded. */
  available: boolean;
  /** The wasm kernels call it (available and not switched off). */
  active: boolean;
  /** Its micro-kernel: 'avx512', 'avx2' or 'generic'. */
  isa?: string;
  /** Its thread count. */
  threads?: number;
  /** Why it is unavailable or off; empty when active. */
  reason: string;
}

let loaded: { kernels?: NativeKernelsLike; reason: string } | undefined;
let enabled = process.env.SELFSUP_NATIVE?.trim() !== '0';

function load(): { kernels?: NativeKernelsLike; reason: string } {
  if (loaded !== undefined) return loaded;
  try {
    const mod = nodeRequire()('@selfsup/native') as {
      loadNative():
        { loaded: true; kernels: NativeKernelsLike } | { loaded: false; reason: string };
    };
    const status = mod.loadNative();
    loaded = status.loaded ? { kernels: status.kernels, reason: '' } : { reason: status.reason };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    loaded = {
      reason:
        err.code === 'MODULE_NOT_FOUND' && err.message.includes('@selfsup/native')
          ? '@selfsup/native is not installed'
          : `@selfsup/native failed to load (${err.message.split('\n')[0]})`,
    };
  }
  return loaded;
}

/** The native kernels when loaded and switched on, else undefined. Internal to src/backend. */
export function activeNativeKernels(): NativeKernelsLike | undefined {
  return enabled ? load().kernels : undefined;
}

/**
 * Switches the native kernels on or off for every later kernel call (they are on by default when
 * `@selfsup/native` is installed, unless `SELFSUP_NATIVE=0`). Returns the status.
 *
 * @example
 * ```ts
 * useNativeKernels(false); // compare against the wasm-only kernels
 * ```
 */
export function useNativeKernels(on: boolean): NativeKernelsStatus {
  enabled = on;
  return nativeKernelsStatus();
}

/**
 * Whether the native kernels are available and in use, with their micro-kernel and threads.
 *
 * @example
 * ```ts
 * if (!nativeKernelsStatus().available) console.log(nativeKernelsStatus().reason);
 * ```
 */
export function nativeKernelsStatus(): NativeKernelsStatus {
  const { kernels, reason } = load();
  if (kernels === undefined) return { available: false, active: false, reason };
  return {
    available: true,
    active: enabled,
    isa: kernels.isa,
    threads: kernels.threads(),
    reason: enabled
      ? ''
      : 'switched off (useNativeKernels(false), the native option or SELFSUP_NATIVE=0)',
  };
}

/** Sets the native pool's thread count, when the addon is loaded. Internal to src/backend. */
export function setNativeThreads(threads: number): void {
  load().kernels?.setThreads(threads);
}
