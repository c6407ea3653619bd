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
import type { ConvGeometry, NativeKernels } from '@selfsup/native';
import { nodeRequire } from './_node';

/**
 * The kernels and geometry of `@selfsup/native`. Type-only imports: they vanish from the build,
 * so core loads and type-checks for its users whether or not the optional addon is installed.
 */
export type NativeKernelsLike = NativeKernels;
export type NativeConvGeometry = ConvGeometry;

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
