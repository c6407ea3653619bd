/**
 * @selfsup/native: matrix products and 2-D convolutions in C++ for the CPU, compiled when the
 * package installs. `@selfsup/core` runs them on the tfjs wasm heap in place of XNNPACK's wasm
 * kernels (128-bit SIMD without FMA), which are 4-8x slower on x86 machines with AVX2 or
 * AVX-512. Every function works on Float32Arrays, including views of a SharedArrayBuffer, with
 * offsets in elements; operands are bounds-checked.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Shapes of a 2-D convolution, channels last: x `[batch, inH, inW, inC]`, filter
 * `[kH, kW, inC, outC]`, y `[batch, outH, outW, outC]`; `top` and `left` are the zero padding
 * before the first row and column (padding after is implied by the output size).
 */
export interface ConvGeometry {
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

/** One operand: an array, the element where the operand starts, and its row stride. */
export interface MatrixOperand {
  data: Float32Array;
  offset?: number;
  /** Row stride in elements (default: the number of columns as stored). */
  ld?: number;
}

/** How an operand of {@link NativeKernels.binary} maps onto the output `[outer, inner]`. */
export type Broadcast = 'full' | 'row' | 'column' | 'scalar';

const BROADCAST_CODES: Record<Broadcast, number> = { full: 0, row: 1, column: 2, scalar: 3 };

/**
 * The operands a normalization's forward pass shares (batch norm: statistics per channel over
 * the rows; layer norm: per row over the channels) for x `[rows, channels]`.
 *
 * @example
 * ```ts
 * const o: NormForwardArgs = { x, gamma, beta, epsilon: 1e-5, y, mean, invStd, rows: 2, channels: 3 };
 * ```
 */
export interface NormForwardArgs {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  epsilon: number;
  y: Float32Array;
  mean: Float32Array;
  invStd: Float32Array;
  rows: number;
  channels: number;
}

/**
 * The operands a normalization's backward pass shares: dy, and x with the statistics its forward
 * pass wrote, in; dx, dgamma and dbeta out.
 *
 * @example
 * ```ts
 * const o: NormBackwardArgs = { dy, x, mean, invStd, gamma, dx, dgamma, dbeta, rows: 2, channels: 3 };
 * ```
 */
export interface NormBackwardArgs {
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
}

/** The native kernels. */
export interface NativeKernels {
  /** The micro-kernel in use: 'avx512', 'avx2' or 'generic'. */
  readonly isa: string;
  /** Threads of the native pool (the caller's included). */
  threads(): number;
  /** Resizes the pool; returns the new size. */
  setThreads(threads: number): number;
  /**
   * `c = op(a) op(b)`, or `c += ...` with `accumulate`: op(a) is `[m, k]` (stored `[k, m]` when
   * `transA`), op(b) is `[k, n]` (stored `[n, k]` when `transB`), c is `[m, n]`. With
   * `batch` > 1, item i reads `offset + i * stride` of each operand (a stride of 0 broadcasts).
   */
  matMul(options: {
    a: MatrixOperand;
    b: MatrixOperand;
    c: MatrixOperand;
    m: number;
    n: number;
    k: number;
    transA?: boolean;
    transB?: boolean;
    accumulate?: boolean;
    batch?: number;
    strides?: { a: number; b: number; c: number };
  }): void;
  /** `y = conv2d(x, filter)`. */
  conv2d(g: ConvGeometry, x: Float32Array, filter: Float32Array, y: Float32Array): void;
  /** `dx`, the gradient of `sum(dy * conv2d(x, filter))` with respect to x. */
  conv2dBackpropInput(
    g: ConvGeometry,
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
  ): void;
  /** `dfilter`, the gradient of `sum(dy * conv2d(x, filter))` with respect to the filter. */
  conv2dBackpropFilter(
    g: ConvGeometry,
    x: Float32Array,
    dy: Float32Array,
    dfilter: Float32Array,
  ): void;
  /**
   * `out = a op b` element-wise over out viewed as `[outer, inner]`, each operand stored as
   * `[outer, inner]` ('full'), `[inner]` ('row', repeated over outer), `[outer]` ('column',
   * repeated over inner) or one value ('scalar'). `reluGrad` is the gradient of relu: `a` (dy)
   * where `b` (x) is positive, else 0 (NaN where `b` is NaN, as `dy * step(x)` in tfjs).
   */
  binary(o: {
    op: 'add' | 'sub' | 'mul' | 'reluGrad';
    a: Float32Array;
    aBroadcast: Broadcast;
    b: Float32Array;
    bBroadcast: Broadcast;
    outer: number;
    inner: number;
    out: Float32Array;
  }): void;
  /**
   * `out[p, c] = max over r of x[p, r, c]` for x viewed as `[outer, rows, inner]`; NaN where any
   * of them is NaN, as tfjs's cpu kernel. `rows` must be at least 1.
   */
  reduceMax(o: {
    x: Float32Array;
    outer: number;
    rows: number;
    inner: number;
    out: Float32Array;
  }): void;
  /**
   * `out[p, c] = scale * sum over r of x[p, r, c]` for x viewed as `[outer, rows, inner]`: a sum
   * (or, with `scale = 1 / rows`, a mean) over contiguous axes; `inner = 1` sums the last axis.
   * Summed in double.
   */
  reduceSum(o: {
    x: Float32Array;
    outer: number;
    rows: number;
    inner: number;
    scale?: number;
    out: Float32Array;
  }): void;
  /**
   * `y = fn(x)` element-wise (y may be x), vectorized and split over the pool: `exp` (Cephes'
   * polynomial; +inf above the float range, 0 below its denormals), `erf` (a series near 0,
   * Abramowitz & Stegun 7.1.26 elsewhere; absolute error below 2e-7), `relu` (`x < 0 ? 0 : x`,
   * NaN stays NaN).
   */
  unary(fn: 'exp' | 'erf' | 'relu', x: Float32Array, y: Float32Array): void;
  /**
   * dx of a max pool over x `[batch, inH, inW, C]` with the window given as a geometry (`kH`,
   * `kW`, strides, dilations, padding; `outC` = `inC`): each window's dy goes to the first position
   * of its max, row by row, as tfjs's cpu kernel does.
   */
  maxPoolGrad(g: ConvGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /**
   * Training-mode batch normalization of x `[rows, channels]` (channels last, any leading axes
   * flattened): `y = gamma * (x - mean) * invStd + beta` with the batch mean and biased variance
   * per channel, written to `mean`, `variance` and `invStd = 1 / sqrt(variance + epsilon)`.
   * In the same pass, optionally: `y += residual` (shaped like x), then `y = max(y, 0)` when
   * `relu` (NaN stays NaN).
   */
  batchNormForward(
    o: NormForwardArgs & { variance: Float32Array; residual?: Float32Array; relu?: boolean },
  ): void;
  /**
   * The gradients of `sum(dy * y)` for {@link NativeKernels.batchNormForward}, from x and the
   * mean and invStd it wrote: `dx`, `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`. For a forward
   * with `relu`, pass its output as `reluOutput`: dy is masked to `g` (dy where the output > 0,
   * 0 where <= 0, NaN where NaN) first; `dresidual`, when given, receives g (or dy without
   * relu), the residual's gradient.
   */
  batchNormBackward(
    o: NormBackwardArgs & { reluOutput?: Float32Array; dresidual?: Float32Array },
  ): void;
  /**
   * Layer normalization of each row of x `[rows, channels]` over its channels (channels >= 1):
   * `y = gamma * (x - mean) * invStd + beta` with the row's mean and biased variance, written to
   * `mean` and `invStd = 1 / sqrt(variance + epsilon)` (`[rows]` each). Each row is read from
   * memory once (its statistics, a shifted two-pass form, are taken while it sits in L1, so a
   * large offset common to a row stays accurate) and y written once; rows split over the pool.
   *
   * @example
   * ```ts
   * const x = new Float32Array([1, 2, 3, 10, 20, 30]); // 2 rows of 3
   * const [y, mean, invStd] = [new Float32Array(6), new Float32Array(2), new Float32Array(2)];
   * native.layerNormForward({
   *   x, gamma: new Float32Array([1, 1, 1]), beta: new Float32Array(3), epsilon: 1e-5,
   *   y, mean, invStd, rows: 2, channels: 3,
   * }); // mean = [2, 20], y = [-1.22, 0, 1.22, -1.22, 0, 1.22]
   * ```
   */
  layerNormForward(o: NormForwardArgs): void;
  /**
   * The gradients of `sum(dy * y)` for {@link NativeKernels.layerNormForward}, from x and the
   * mean and invStd it wrote: `dx = invStd * (g - mean(g) - xhat * mean(g * xhat))` with
   * `g = gamma * dy` (means over the row), `dgamma = sum(dy * xhat)` and `dbeta = sum(dy)` (sums
   * over rows, in double per chunk of rows).
   *
   * @example
   * ```ts
   * const [dx, dgamma, dbeta] = [new Float32Array(6), new Float32Array(3), new Float32Array(3)];
   * native.layerNormBackward({ dy, x, mean, invStd, gamma, dx, dgamma, dbeta, rows: 2, channels: 3 });
   * ```
   */
  layerNormBackward(o: NormBackwardArgs): void;
  /**
   * Exact GELU over all of x: `y = 0.5 x (1 + erf(x / sqrt 2))` (PyTorch's `nn.GELU()`), with
   * the erf of {@link NativeKernels.unary} (absolute error below 2e-7); y may be x.
   *
   * @example
   * ```ts
   * const y = new Float32Array(3);
   * native.geluForward(new Float32Array([-1, 0, 1]), y); // [-0.1587, 0, 0.8413]
   * ```
   */
  geluForward(x: Float32Array, y: Float32Array): void;
  /**
   * The gradient of {@link NativeKernels.geluForward}:
   * `dx = dy * (0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi))` over all of x; dx may
   * be x or dy.
   *
   * @example
   * ```ts
   * const dx = new Float32Array(3);
   * native.geluBackward(new Float32Array([-1, 0, 1]), new Float32Array([1, 1, 1]), dx);
   * // [-0.0833, 0.5, 1.0833]
   * ```
   */
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
}

/** What {@link loadNative} found: the kernels, or why there are none. */
export type NativeStatus =
  { loaded: true; kernels: NativeKernels } | { loaded: false; reason: string };

interface Addon {
  isa(): string;
  threads(): number;
  setThreads(n: number): number;
  gemm(...args: unknown[]): void;
  conv2d(...args: unknown[]): void;
  conv2dBackpropInput(...args: unknown[]): void;
  conv2dBackpropFilter(...args: unknown[]): void;
  maxPoolGrad(...args: unknown[]): void;
  unary(...args: unknown[]): void;
  reduceSum(...args: unknown[]): void;
  reduceMax(...args: unknown[]): void;
  binary(...args: unknown[]): void;
  batchNormForward(...args: unknown[]): void;
  batchNormBackward(...args: unknown[]): void;
  layerNormForward(...args: unknown[]): void;
  layerNormBackward(...args: unknown[]): void;
  geluForward(...args: unknown[]): void;
  geluBackward(...args: unknown[]): void;
}

function packageRoot(): string {
  const here: string | undefined = import.meta.url;
  const dir = here !== undefined ? path.dirname(fileURLToPath(here)) : __dirname;
  return path.join(dir, '..');
}

function geometryArray(g: ConvGeometry): number[] {
  return [
    g.batch,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.outC,
    g.kH,
    g.kW,
    g.strideH,
    g.strideW,
    g.dilationH,
    g.dilationW,
    g.top,
    g.left,
  ];
}

function wrap(addon: Addon): NativeKernels {
  return {
    isa: addon.isa(),
    threads: () => addon.threads(),
    setThreads: (n) => addon.setThreads(n),
    matMul(o) {
      const transA = o.transA === true;
      const transB = o.transB === true;
      const batch = o.batch ?? 1;
      const strides = o.strides ?? { a: 0, b: 0, c: 0 };
      addon.gemm(
        transA,
        transB,
        o.m,
        o.n,
        o.k,
        o.a.data,
        o.a.offset ?? 0,
        o.a.ld ?? (transA ? o.m : o.k),
        o.b.data,
        o.b.offset ?? 0,
        o.b.ld ?? (transB ? o.k : o.n),
        o.c.data,
        o.c.offset ?? 0,
        o.c.ld ?? o.n,
        o.accumulate === true,
        batch,
        strides.a,
        strides.b,
        strides.c,
      );
    },
    conv2d: (g, x, filter, y) => addon.conv2d(x, filter, y, geometryArray(g)),
    conv2dBackpropInput: (g, dy, filter, dx) =>
      addon.conv2dBackpropInput(dy, filter, dx, geometryArray(g)),
    conv2dBackpropFilter: (g, x, dy, dfilter) =>
      addon.conv2dBackpropFilter(x, dy, dfilter, geometryArray(g)),
    unary: (fn, x, y) => addon.unary(fn, x, y),
    binary: (o) =>
      addon.binary(
        o.op,
        o.a,
        BROADCAST_CODES[o.aBroadcast],
        o.b,
        BROADCAST_CODES[o.bBroadcast],
        o.outer,
        o.inner,
        o.out,
      ),
    reduceMax: (o) => addon.reduceMax(o.x, o.outer, o.rows, o.inner, o.out),
    reduceSum: (o) => addon.reduceSum(o.x, o.outer, o.rows, o.inner, o.scale ?? 1, o.out),
    maxPoolGrad: (g, x, dy, dx) => addon.maxPoolGrad(x, dy, dx, geometryArray(g)),
    batchNormForward: (o) =>
      addon.batchNormForward(
        o.x,
        o.gamma,
        o.beta,
        o.epsilon,
        o.y,
        o.mean,
        o.variance,
        o.invStd,
        o.rows,
        o.channels,
        o.residual,
        o.relu ?? false,
      ),
    batchNormBackward: (o) =>
      addon.batchNormBackward(
        o.dy,
        o.x,
        o.mean,
        o.invStd,
        o.gamma,
        o.dx,
        o.dgamma,
        o.dbeta,
        o.rows,
        o.channels,
        o.reluOutput,
        o.dresidual,
      ),
    layerNormForward: (o) =>
      addon.layerNormForward(
        o.x,
        o.gamma,
        o.beta,
        o.epsilon,
        o.y,
        o.mean,
        o.invStd,
        o.rows,
        o.channels,
      ),
    layerNormBackward: (o) =>
      addon.layerNormBackward(
        o.dy,
        o.x,
        o.mean,
        o.invStd,
        o.gamma,
        o.dx,
        o.dgamma,
        o.dbeta,
        o.rows,
        o.channels,
      ),
    geluForward: (x, y) => addon.geluForward(x, y),
    geluBackward: (x, dy, dx) => addon.geluBackward(x, dy, dx),
  };
}

let status: NativeStatus | undefined;

/**
 * Loads the compiled addon once. Returns why it is unavailable instead of throwing: the install
 * may have had no compiler, or the platform may not be supported, and selfsup then runs its wasm
 * kernels.
 *
 * @example
 * ```ts
 * import { loadNative } from '@selfsup/native';
 * const native = loadNative();
 * if (native.loaded) {
 *   const a = new Float32Array([1, 2, 3, 4]); // [[1, 2], [3, 4]]
 *   const c = new Float32Array(4);
 *   native.kernels.matMul({ a: { data: a }, b: { data: a }, c: { data: c }, m: 2, n: 2, k: 2 });
 *   // c = [7, 10, 15, 22]
 * } else console.log(native.reason);
 * ```
 */
export function loadNative(): NativeStatus {
  if (status !== undefined) return status;
  const root = packageRoot();
  const file = path.join(root, 'build', 'Release', 'selfsup_native.node');
  if (!existsSync(file)) {
    const failure = path.join(root, 'build', 'install-failure.txt');
    const why = existsSync(failure)
      ? readFileSync(failure, 'utf8').trim()
      : 'it was not compiled (run `npm rebuild @selfsup/native`)';
    status = { loaded: false, reason: `@selfsup/native: no addon at ${file}: ${why}` };
    return status;
  }
  try {
    const addon = createRequire(path.join(root, 'package.json'))(file) as Addon;
    status = { loaded: true, kernels: wrap(addon) };
  } catch (e) {
    status = {
      loaded: false,
      reason: `@selfsup/native: loading ${file} failed: ${(e as Error).message}`,
    };
  }
  return status;
}
