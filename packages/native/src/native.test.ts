import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNative, type ConvGeometry, type NativeKernels } from './index';

const status = loadNative();
// Where the install could not compile the addon (no C++ toolchain), these tests skip and say why;
// `npm test` then reports them as skipped. Every machine of this project has a compiler.
const skip = !status.loaded;
if (!status.loaded) console.warn(`@selfsup/native tests skipped: ${status.reason}`);
const native = (status.loaded ? status.kernels : undefined) as NativeKernels;

function random(n: number, seed: number, shared = false): Float32Array {
  const out = shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Row-major reference product in float64. */
function refMatMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

function outSize(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  before: number,
  after: number,
) {
  return Math.floor((inSize + before + after - ((k - 1) * dilation + 1)) / stride) + 1;
}

function geometry(
  batch: number,
  [inH, inW, inC]: number[],
  [kH, kW, outC]: number[],
  [strideH, strideW]: number[],
  [dilationH, dilationW]: number[],
  [top, bottom, left, right]: number[],
): ConvGeometry {
  return {
    batch,
    inH,
    inW,
    inC,
    outC,
    kH,
    kW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    top,
    left,
    outH: outSize(inH, kH, strideH, dilationH, top, bottom),
    outW: outSize(inW, kW, strideW, dilationW, left, right),
  };
}

/** Direct convolution loops: y, and the two gradients of sum(dy * y). */
function refConv(g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const y = new Float64Array(g.batch * g.outH * g.outW * g.outC);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let kh = 0; kh < g.kH; kh++)
          for (let kw = 0; kw < g.kW; kw++) {
            const ih = oh * g.strideH - g.top + kh * g.dilationH;
            const iw = ow * g.strideW - g.left + kw * g.dilationW;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
            for (let ci = 0; ci < g.inC; ci++) {
              const xi = ((b * g.inH + ih) * g.inW + iw) * g.inC + ci;
              for (let co = 0; co < g.outC; co++) {
                const yi = ((b * g.outH + oh) * g.outW + ow) * g.outC + co;
                const wi = ((kh * g.kW + kw) * g.inC + ci) * g.outC + co;
                y[yi] += x[xi] * w[wi];
                dx[xi] += dy[yi] * w[wi];
                dw[wi] += dy[yi] * x[xi];
              }
            }
          }
  return { y, dx, dw };
}

/** erf by its Maclaurin series: accurate to ~1e-8 for |u| <= 4.3 (x up to 6) in float64. */
function erf64(u: number): number {
  if (Math.abs(u) > 6) return Math.sign(u); // 1 - erf(6) < 3e-17
  let term = u;
  let sum = u;
  for (let k = 1; k < 300; k++) {
    term *= (-u * u) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const gelu64 = (v: number) => 0.5 * v * (1 + erf64(v / Math.SQRT2));
const dgelu64 = (v: number) =>
  0.5 * (1 + erf64(v / Math.SQRT2)) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI);

describe.skipIf(skip)('@selfsup/native', () => {
  it('reports its micro-kernel and thread pool', () => {
    expect(['avx512', 'avx2', 'generic']).toContain(native.isa);
    const before = native.threads();
    expect(native.setThreads(3)).toBe(3);
    expect(native.setThreads(before)).toBe(before);
  });

  it('matMul equals a float64 reference for every transpose, partial tiles and a split depth', () => {
    // 37 x 45 leaves partial tiles for every micro-kernel; k = 300 crosses the 256-deep block.
    const [m, n, k] = [37, 45, 300];
    const a = random(m * k, 1);
    const b = random(k * n, 2);
    for (const threads of [1, 2])
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          native.setThreads(threads);
          const c = new Float32Array(m * n).fill(7);
          native.matMul({
            a: { data: a },
            b: { data: b },
            c: { data: c },
            m,
            n,
            k,
            transA,
            transB,
          });
          expect(maxAbsDiff(c, refMatMul(a, b, m, n, k, transA, transB))).toBeLessThan(1e-4);
        }
  });

  it.each(['avx2', 'generic'])(
    'the %s micro-kernel (forced with SELFSUP_NATIVE_ISA) computes the same product',
    (isa) => {
      if (native.isa === 'generic' && isa === 'avx2') return; // not on this CPU
      const [m, n, k] = [37, 45, 300];
      const a = random(m * k, 1);
      const b = random(k * n, 2);
      const script = `
        const { loadNative } = await import(${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))});
        const { kernels } = loadNative();
        const [a, b] = ${JSON.stringify([Array.from(a), Array.from(b)])}.map((v) => new Float32Array(v));
        const c = new Float32Array(${m * n});
        kernels.matMul({ a: { data: a }, b: { data: b }, c: { data: c }, m: ${m}, n: ${n}, k: ${k}, transB: true });
        console.log(JSON.stringify({ isa: kernels.isa, c: Array.from(c) }));`;
      // The script goes in on stdin: as an argument it would exceed Linux's 128 kB limit.
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module'], {
        input: script,
        encoding: 'utf8',
        env: { ...process.env, SELFSUP_NATIVE_ISA: isa },
      });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { isa: string; c: number[] };
      expect(out.isa).toBe(isa);
      expect(maxAbsDiff(out.c, refMatMul(a, b, m, n, k, false, true))).toBeLessThan(1e-4);
    },
  );

  it('matMul splits big products over threads with the same result', () => {
    const [m, n, k] = [300, 200, 130];
    const a = random(m * k, 3, true); // SharedArrayBuffer, as the threaded wasm heap is
    const b = random(k * n, 4, true);
    const ref = refMatMul(a, b, m, n, k, false, false);
    for (const [mm, nn] of [
      [m, n],
      [n, m],
    ]) {
      // Both split directions: by rows (m >= n) and by columns.
      const aa = mm === m ? a : random(mm * k, 5);
      const bb = nn === n ? b : random(k * nn, 6);
      const r = mm === m ? ref : refMatMul(aa, bb, mm, nn, k, false, false);
      for (const threads of [1, 2, 3]) {
        native.setThreads(threads);
        const c = new Float32Array(mm * nn);
        native.matMul({ a: { data: aa }, b: { data: bb }, c: { data: c }, m: mm, n: nn, k });
        expect(maxAbsDiff(c, r)).toBeLessThan(1e-4);
      }
    }
  });

  it('matMul accumulates, honours offsets and row strides, and runs batches with broadcasting', () => {
    native.setThreads(2);
    const [m, n, k] = [5, 6, 7];
    const a = random(3 * m * k + 2, 7);
    const b = random(k * n + 1, 8);
    const c = new Float32Array(3 * m * n).fill(1);
    // Three items of a against one b (stride 0), each added to ones.
    native.matMul({
      a: { data: a, offset: 2 },
      b: { data: b, offset: 1 },
      c: { data: c },
      m,
      n,
      k,
      accumulate: true,
      batch: 3,
      strides: { a: m * k, b: 0, c: m * n },
    });
    for (let i = 0; i < 3; i++) {
      const ref = refMatMul(a.subarray(2 + i * m * k), b.subarray(1), m, n, k, false, false);
      const got = c.subarray(i * m * n, (i + 1) * m * n);
      expect(
        maxAbsDiff(
          got,
          ref.map((v) => v + 1),
        ),
      ).toBeLessThan(1e-5);
    }
    // The first 4 columns of b (row stride 6) into a 3 x 4 block of a wider c (row stride 10):
    // the columns around the block stay untouched.
    const wide = new Float32Array(3 * 10).fill(-1);
    native.matMul({
      a: { data: a },
      b: { data: b, ld: n },
      c: { data: wide, offset: 2, ld: 10 },
      m: 3,
      n: 4,
      k,
    });
    for (let i = 0; i < 3; i++) {
      expect(wide[i * 10 + 1]).toBe(-1);
      expect(wide[i * 10 + 6]).toBe(-1);
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        expect(Math.abs(wide[i * 10 + 2 + j] - s)).toBeLessThan(1e-5);
      }
    }
  });

  it('rejects operands that do not fit their arrays, naming the operand', () => {
    const a = new Float32Array(6);
    const c = new Float32Array(4);
    expect(() =>
      native.matMul({
        a: { data: a },
        b: { data: a, offset: 3 },
        c: { data: c },
        m: 2,
        n: 2,
        k: 3,
      }),
    ).toThrow(/gemm: b needs 9 elements from its array, which has 6/);
    expect(() =>
      native.matMul({ a: { data: a }, b: { data: a }, c: { data: c }, m: 2, n: 3, k: 2 }),
    ).toThrow(/gemm: c needs 6 elements/);
    expect(() =>
      native.matMul({
        a: { data: new Int32Array(6) as unknown as Float32Array },
        b: { data: a },
        c: { data: c },
        m: 2,
        n: 2,
        k: 2,
      }),
    ).toThrow(/a must be a Float32Array/);
    const g = geometry(1, [4, 4, 2], [3, 3, 2], [1, 1], [1, 1], [1, 1, 1, 1]);
    expect(() =>
      native.conv2d(g, new Float32Array(31), new Float32Array(36), new Float32Array(32)),
    ).toThrow(/conv2d: x needs 32 elements from its array, which has 31/);
  });

  const cases: [string, ConvGeometry][] = [
    ['3x3 same, stride 1', geometry(2, [6, 7, 5], [3, 3, 4], [1, 1], [1, 1], [1, 1, 1, 1])],
    [
      '7x7 stride 2 pad 3 (a ResNet stem), batch 3',
      geometry(3, [11, 10, 3], [7, 7, 8], [2, 2], [1, 1], [3, 3, 3, 3]),
    ],
    [
      '3x3 dilation 2, asymmetric padding',
      geometry(2, [9, 8, 3], [3, 3, 5], [1, 1], [2, 2], [1, 2, 0, 3]),
    ],
    ['1x1 pointwise', geometry(2, [5, 5, 16], [1, 1, 24], [1, 1], [1, 1], [0, 0, 0, 0])],
    [
      '1x1 stride 2 (a ResNet shortcut)',
      geometry(2, [6, 6, 8], [1, 1, 12], [2, 2], [1, 1], [0, 0, 0, 0]),
    ],
    [
      'conv1d kernel 10 stride 5 (a wav2vec stem)',
      geometry(3, [1, 200, 1], [1, 10, 16], [1, 5], [1, 1], [0, 0, 0, 0]),
    ],
    [
      '3x3 valid stride 2 with rows left over',
      geometry(5, [10, 9, 4], [3, 3, 6], [2, 2], [1, 1], [0, 0, 0, 0]),
    ],
  ];

  it.each(cases)('conv2d and both gradients equal direct loops: %s', (_, g) => {
    const x = random(g.batch * g.inH * g.inW * g.inC, 11);
    const w = random(g.kH * g.kW * g.inC * g.outC, 12);
    const dy = random(g.batch * g.outH * g.outW * g.outC, 13);
    const ref = refConv(g, x, w, dy);
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const y = new Float32Array(ref.y.length).fill(9);
      const dx = new Float32Array(x.length).fill(9);
      const dw = new Float32Array(w.length).fill(9);
      native.conv2d(g, x, w, y);
      native.conv2dBackpropInput(g, dy, w, dx);
      native.conv2dBackpropFilter(g, x, dy, dw);
      expect(maxAbsDiff(y, ref.y)).toBeLessThan(1e-4);
      expect(maxAbsDiff(dx, ref.dx)).toBeLessThan(1e-4);
      expect(maxAbsDiff(dw, ref.dw)).toBeLessThan(1e-4);
    }
  });

  it('gradients satisfy the adjoint identity sum(dy * conv(x)) = sum(x * dx) = sum(w * dw) at size', () => {
    // Large enough for several memory chunks per thread (the patch matrix is chunked at 4 MB).
    const g = geometry(64, [16, 16, 32], [3, 3, 32], [1, 1], [1, 1], [1, 1, 1, 1]);
    native.setThreads(2);
    const x = random(g.batch * g.inH * g.inW * g.inC, 21);
    const w = random(g.kH * g.kW * g.inC * g.outC, 22);
    const dy = random(g.batch * g.outH * g.outW * g.outC, 23);
    const y = new Float32Array(dy.length);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    native.conv2d(g, x, w, y);
    native.conv2dBackpropInput(g, dy, w, dx);
    native.conv2dBackpropFilter(g, x, dy, dw);
    const dot = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + v * q[i], 0);
    const total = dot(dy, y);
    expect(Math.abs(total)).toBeGreaterThan(1);
    expect(Math.abs(dot(x, dx) - total)).toBeLessThan(1e-3 * Math.abs(total) + 1e-2);
    expect(Math.abs(dot(w, dw) - total)).toBeLessThan(1e-3 * Math.abs(total) + 1e-2);
    // Spot-check some outputs against direct loops.
    const ref = refConv(
      { ...g, batch: 1 },
      x.subarray(0, 16 * 16 * 32),
      w,
      dy.subarray(0, 16 * 16 * 32),
    );
    expect(maxAbsDiff(y.subarray(0, ref.y.length), ref.y)).toBeLessThan(1e-4);
  });

  it('batch norm forward and backward equal a float64 reference, with a large common offset', () => {
    const [rows, channels] = [1000, 5];
    const x = random(rows * channels, 31).map((v, i) => 100 + (1 + (i % channels)) * v);
    const gamma = random(channels, 32);
    const beta = random(channels, 33);
    const dy = random(rows * channels, 34);
    const eps = 1e-5;
    const { mean, variance, invStd } = batchStatistics(x, rows, channels, eps);
    const xhat = (r: number, c: number) => (x[r * channels + c] - mean[c]) * invStd[c];
    const sumDy = new Float64Array(channels);
    const sumDyXhat = new Float64Array(channels);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < channels; c++) {
        sumDy[c] += dy[r * channels + c];
        sumDyXhat[c] += dy[r * channels + c] * xhat(r, c);
      }
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const out = {
        y: new Float32Array(rows * channels),
        mean: new Float32Array(channels),
        variance: new Float32Array(channels),
        invStd: new Float32Array(channels),
        dx: new Float32Array(rows * channels),
        dgamma: new Float32Array(channels),
        dbeta: new Float32Array(channels),
      };
      native.batchNormForward({ x, gamma, beta, epsilon: eps, rows, channels, ...out });
      native.batchNormBackward({ dy, x, gamma, rows, channels, ...out });
      expect(maxAbsDiff(out.mean, mean)).toBeLessThan(1e-4);
      for (let c = 0; c < channels; c++)
        expect(Math.abs(out.variance[c] / variance[c] - 1)).toBeLessThan(1e-4);
      const wantY = new Float64Array(rows * channels);
      const wantDx = new Float64Array(rows * channels);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < channels; c++) {
          const i = r * channels + c;
          wantY[i] = gamma[c] * xhat(r, c) + beta[c];
          wantDx[i] =
            gamma[c] * invStd[c] * (dy[i] - sumDy[c] / rows - (xhat(r, c) * sumDyXhat[c]) / rows);
        }
      expect(maxAbsDiff(out.y, wantY)).toBeLessThan(1e-3);
      expect(maxAbsDiff(out.dx, wantDx)).toBeLessThan(1e-3);
      expect(maxAbsDiff(out.dgamma, sumDyXhat)).toBeLessThan(1e-3);
      expect(maxAbsDiff(out.dbeta, sumDy)).toBeLessThan(1e-3);
    }
  });

  it('batch norm with a residual and a relu in the same pass, and their gradients, equal a float64 reference', () => {
    const [rows, channels] = [777, 12];
    const x = random(rows * channels, 51).map((v, i) => (1 + (i % 3)) * v);
    const residual = random(rows * channels, 52);
    const gamma = random(channels, 53);
    const beta = random(channels, 54);
    const dy = random(rows * channels, 55);
    const eps = 1e-5;
    const { mean, invStd } = batchStatistics(x, rows, channels, eps);
    const xhat = (i: number, c: number) => (x[i] - mean[c]) * invStd[c];
    for (const [withResidual, relu] of [
      [true, true],
      [false, true],
      [true, false],
    ] as const) {
      // y = max(0, bn(x) + residual); g = dy * (y > 0); bn's backward with g; dresidual = g.
      const wantY = new Float64Array(rows * channels);
      const g = new Float64Array(rows * channels);
      const sumG = new Float64Array(channels);
      const sumGXhat = new Float64Array(channels);
      for (let i = 0; i < x.length; i++) {
        const c = i % channels;
        const pre = gamma[c] * xhat(i, c) + beta[c] + (withResidual ? residual[i] : 0);
        wantY[i] = relu ? Math.max(0, pre) : pre;
        g[i] = relu && !(pre > 0) ? 0 : dy[i];
        sumG[c] += g[i];
        sumGXhat[c] += g[i] * xhat(i, c);
      }
      const wantDx = g.map((gi, i) => {
        const c = i % channels;
        return gamma[c] * invStd[c] * (gi - sumG[c] / rows - (xhat(i, c) * sumGXhat[c]) / rows);
      });
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        const out = {
          y: new Float32Array(rows * channels),
          mean: new Float32Array(channels),
          variance: new Float32Array(channels),
          invStd: new Float32Array(channels),
          dx: new Float32Array(rows * channels),
          dgamma: new Float32Array(channels),
          dbeta: new Float32Array(channels),
          dresidual: new Float32Array(rows * channels),
        };
        const { dresidual, ...fwd } = out;
        native.batchNormForward({
          x,
          gamma,
          beta,
          epsilon: eps,
          rows,
          channels,
          ...fwd,
          residual: withResidual ? residual : undefined,
          relu,
        });
        native.batchNormBackward({
          dy,
          x,
          gamma,
          rows,
          channels,
          ...fwd,
          reluOutput: relu ? out.y : undefined,
          dresidual: withResidual ? dresidual : undefined,
        });
        const what = `residual ${withResidual}, relu ${relu}, ${threads} threads`;
        expect(maxAbsDiff(out.y, wantY), what).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.dx, wantDx), what).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.dgamma, sumGXhat), what).toBeLessThan(1e-3);
        expect(maxAbsDiff(out.dbeta, sumG), what).toBeLessThan(1e-3);
        if (withResidual) expect(maxAbsDiff(dresidual, g), what).toBeLessThan(1e-6);
        else expect(dresidual.every((v) => v === 0)).toBe(true);
      }
    }
    // NaN in stays NaN out; its gradient is NaN where the output is NaN.
    const nanX = Float32Array.from(x);
    nanX[3] = NaN;
    const o = {
      y: new Float32Array(rows * channels),
      mean: new Float32Array(channels),
      variance: new Float32Array(channels),
      invStd: new Float32Array(channels),
    };
    native.batchNormForward({
      x: nanX,
      gamma,
      beta,
      epsilon: eps,
      rows,
      channels,
      ...o,
      relu: true,
    });
    expect(Number.isNaN(o.y[3])).toBe(true);
    expect(() =>
      native.batchNormForward({
        x,
        gamma,
        beta,
        epsilon: eps,
        rows,
        channels,
        ...o,
        residual: new Float32Array(5),
      }),
    ).toThrow(/residual needs/);
  });

  it.each([
    // Overlapping windows, padded edges.
    ['3x3 stride 2 padding 1', geometry(2, [7, 6, 3], [3, 3, 3], [2, 2], [1, 1], [1, 1, 1, 1])],
    // Windows tiling the input (the vectorized path), with rows and columns no window reaches.
    ['2x2 stride 2, odd sizes', geometry(3, [7, 5, 19], [2, 2, 19], [2, 2], [1, 1], [0, 0, 0, 0])],
    ['3x1 stride 3x1', geometry(2, [9, 4, 5], [3, 1, 5], [3, 1], [1, 1], [0, 0, 0, 0])],
  ])(
    "maxPoolGrad sends each window's gradient to its first max, like tfjs's cpu kernel: %s",
    (_, g) => {
      // Half the inputs are ties at zero: the first position of the max must win.
      const x = random(g.batch * g.inH * g.inW * g.inC, 41).map((v) => (v < 0 ? 0 : v));
      const dy = random(g.batch * g.outH * g.outW * g.outC, 42);
      const want = new Float64Array(x.length);
      for (let b = 0; b < g.batch; b++)
        for (let oh = 0; oh < g.outH; oh++)
          for (let ow = 0; ow < g.outW; ow++)
            for (let c = 0; c < g.inC; c++) {
              let best = -Infinity;
              let at = -1;
              for (let i = 0; i < g.kH; i++)
                for (let j = 0; j < g.kW; j++) {
                  const h = oh * g.strideH - g.top + i;
                  const w = ow * g.strideW - g.left + j;
                  if (h < 0 || h >= g.inH || w < 0 || w >= g.inW) continue;
                  const idx = ((b * g.inH + h) * g.inW + w) * g.inC + c;
                  if (x[idx] > best) {
                    best = x[idx];
                    at = idx;
                  }
                }
              want[at] += dy[((b * g.outH + oh) * g.outW + ow) * g.outC + c];
            }
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        const dx = new Float32Array(x.length).fill(5);
        native.maxPoolGrad(g, x, dy, dx);
        expect(maxAbsDiff(dx, want)).toBeLessThan(1e-6);
      }
      expect(() =>
        native.maxPoolGrad({ ...g, outC: 4 }, x, dy, new Float32Array(x.length)),
      ).toThrow(/maxPoolGrad: a pool keeps the channels/);
    },
  );

  it('exp and erf element-wise equal Math.exp and a float64 erf within float rounding', () => {
    const n = 70_000; // enough for both threads
    const x = Float32Array.from({ length: n }, (_, i) => -3 + (6 * i) / n);
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const e = new Float32Array(n);
      native.unary('exp', x, e);
      for (let i = 0; i < n; i += 97)
        expect(Math.abs(e[i] / Math.exp(x[i]) - 1)).toBeLessThan(1e-6);
      const y = Float32Array.from(x);
      native.unary('erf', y, y); // in place
      for (let i = 0; i < n; i += 97) expect(Math.abs(y[i] - erf64(x[i]))).toBeLessThan(3e-7);
    }
    const tiny = new Float32Array([1e-6, -2e-5]);
    native.unary('erf', tiny, tiny);
    const r = random(100000, 9);
    r[3] = NaN;
    const relu = new Float32Array(r.length);
    native.unary('relu', r, relu);
    expect(Array.from(relu)).toEqual(Array.from(r, (v) => (v < 0 ? 0 : v)));
    expect(Math.abs(tiny[0] / (1e-6 * (2 / Math.sqrt(Math.PI))) - 1)).toBeLessThan(1e-6);
    expect(Math.abs(tiny[1] / (-2e-5 * (2 / Math.sqrt(Math.PI))) - 1)).toBeLessThan(1e-6);
    expect(() => native.unary('tanh' as 'exp', x, x)).toThrow(/unknown function 'tanh'/);
  });

  /** Layer norm over the rows of x [rows, channels] and its gradients, in float64. */
  function refLayerNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    dy: Float32Array,
    rows: number,
    channels: number,
    eps: number,
  ) {
    const y = new Float64Array(rows * channels);
    const dx = new Float64Array(rows * channels);
    const mean = new Float64Array(rows);
    const invStd = new Float64Array(rows);
    const dgamma = new Float64Array(channels);
    const dbeta = new Float64Array(channels);
    for (let r = 0; r < rows; r++) {
      const row = (c: number) => x[r * channels + c];
      let m = 0;
      for (let c = 0; c < channels; c++) m += row(c) / channels;
      let v = 0;
      for (let c = 0; c < channels; c++) v += (row(c) - m) ** 2 / channels;
      const is = 1 / Math.sqrt(v + eps);
      mean[r] = m;
      invStd[r] = is;
      let meanG = 0;
      let meanGx = 0;
      for (let c = 0; c < channels; c++) {
        const i = r * channels + c;
        const xh = (row(c) - m) * is;
        y[i] = gamma[c] * xh + beta[c];
        meanG += (gamma[c] * dy[i]) / channels;
        meanGx += (gamma[c] * dy[i] * xh) / channels;
        dgamma[c] += dy[i] * xh;
        dbeta[c] += dy[i];
      }
      for (let c = 0; c < channels; c++) {
        const i = r * channels + c;
        const xh = (row(c) - m) * is;
        dx[i] = is * (gamma[c] * dy[i] - meanG - xh * meanGx);
      }
    }
    return { y, dx, mean, invStd, dgamma, dbeta };
  }

  it.each([
    // [rows, channels, offset]: odd widths leave tails after the 16-wide lanes; 1 channel gives
    // xhat = 0 (y = beta, dx = 0); the large ones split over threads; offsets of thousands test
    // the shifted statistics (float sums of x^2 would lose the variance entirely).
    [5, 1, 0],
    [37, 7, 0],
    [301, 33, 3],
    [600, 128, 0],
    [400, 129, 3000],
    [8, 4096, -500],
  ])(
    'layerNorm forward and backward equal a float64 reference: [%i, %i], offset %d',
    (rows, channels, offset) => {
      // Each row has its own offset (offset + row index) and scale, as token features do.
      const x = random(rows * channels, rows + channels).map(
        (v, i) => offset + Math.floor(i / channels) + (1 + (Math.floor(i / channels) % 3)) * v,
      );
      const gamma = random(channels, 61).map((v) => 1 + v);
      const beta = random(channels, 62);
      const dy = random(rows * channels, 63);
      const eps = 1e-5;
      const want = refLayerNorm(x, gamma, beta, dy, rows, channels, eps);
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        const out = {
          y: new Float32Array(rows * channels).fill(9),
          mean: new Float32Array(rows).fill(9),
          invStd: new Float32Array(rows).fill(9),
          dx: new Float32Array(rows * channels).fill(9),
          dgamma: new Float32Array(channels).fill(9),
          dbeta: new Float32Array(channels).fill(9),
        };
        native.layerNormForward({ x, gamma, beta, epsilon: eps, rows, channels, ...out });
        native.layerNormBackward({ dy, x, gamma, rows, channels, ...out });
        for (let r = 0; r < rows; r++) {
          // The mean as a float: within an ulp or two of the exact one.
          const m = want.mean[r];
          expect(Math.abs(out.mean[r] - m)).toBeLessThanOrEqual(2.5e-7 * Math.max(1, Math.abs(m)));
          expect(Math.abs(out.invStd[r] / want.invStd[r] - 1)).toBeLessThan(1e-6);
        }
        expect(maxAbsDiff(out.y, want.y)).toBeLessThan(4e-6);
        expect(maxAbsDiff(out.dx, want.dx)).toBeLessThan(4e-6);
        expect(maxAbsDiff(out.dgamma, want.dgamma)).toBeLessThan(1e-6 * rows + 1e-5);
        expect(maxAbsDiff(out.dbeta, want.dbeta)).toBeLessThan(1e-6 * rows + 1e-5);
      }
    },
  );

  it('layerNorm rejects operands that do not fit and bad sizes, naming the operand', () => {
    const f = (n: number) => new Float32Array(n);
    const ok = {
      x: f(12),
      gamma: f(3),
      beta: f(3),
      epsilon: 1e-5,
      y: f(12),
      mean: f(4),
      invStd: f(4),
      rows: 4,
      channels: 3,
    };
    expect(() => native.layerNormForward({ ...ok, mean: f(3) })).toThrow(
      /layerNormForward: mean needs 4 elements from its array, which has 3/,
    );
    expect(() => native.layerNormForward({ ...ok, beta: f(2) })).toThrow(
      /layerNormForward: beta needs 3/,
    );
    expect(() => native.layerNormForward({ ...ok, x: f(11) })).toThrow(
      /layerNormForward: x needs 12/,
    );
    expect(() => native.layerNormForward({ ...ok, epsilon: 0 })).toThrow(
      /epsilon must be a positive number/,
    );
    expect(() => native.layerNormForward({ ...ok, channels: 0 })).toThrow(
      /channels must be at least 1/,
    );
    expect(() => native.layerNormForward({ ...ok, rows: 2 ** 40, channels: 2 ** 20 })).toThrow(
      /rows \* channels is too large/,
    );
    const grads = {
      dy: f(12),
      x: f(12),
      mean: f(4),
      invStd: f(4),
      gamma: f(3),
      dx: f(12),
      dgamma: f(3),
      dbeta: f(3),
      rows: 4,
      channels: 3,
    };
    expect(() => native.layerNormBackward({ ...grads, dgamma: f(2) })).toThrow(
      /layerNormBackward: dgamma needs 3 elements from its array, which has 2/,
    );
    expect(() => native.layerNormBackward({ ...grads, invStd: f(3) })).toThrow(
      /layerNormBackward: invStd needs 4/,
    );
    expect(() =>
      native.layerNormBackward({ ...grads, dy: new Float64Array(12) as unknown as Float32Array }),
    ).toThrow(/dy must be a Float32Array/);
  });

  it('exact GELU and its gradient equal a float64 reference', () => {
    const n = 70_000; // enough for both threads
    const x = Float32Array.from({ length: n }, (_, i) => -6 + (12 * i) / n);
    const dy = random(n, 71);
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const y = new Float32Array(n);
      native.geluForward(x, y);
      const dx = new Float32Array(n);
      native.geluBackward(x, dy, dx);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(y[i] - gelu64(x[i]))).toBeLessThan(1e-6);
        expect(Math.abs(dx[i] - dy[i] * dgelu64(x[i]))).toBeLessThan(1e-6);
      }
    }
    // In place, tiny arguments (relative accuracy), far tails, zero.
    const v = new Float32Array([1e-6, -3e-5, 20, -20, 0, 0.49, 0.51]);
    const g = Float32Array.from(v);
    native.geluForward(g, g);
    for (const i of [0, 1, 5, 6]) expect(Math.abs(g[i] / gelu64(v[i]) - 1)).toBeLessThan(1e-6);
    expect(Array.from(g.subarray(2, 5))).toEqual([20, -0, 0]);
    const d = new Float32Array(v.length).fill(2);
    native.geluBackward(v, d, d); // dx in place of dy
    for (let i = 0; i < v.length; i++)
      expect(Math.abs(d[i] - 2 * dgelu64(v[i]))).toBeLessThan(1e-6);
    expect(() => native.geluForward(v, new Float32Array(6))).toThrow(
      /geluForward: y needs 7 elements from its array, which has 6/,
    );
    expect(() => native.geluBackward(v, new Float32Array(3), d)).toThrow(
      /geluBackward: dy needs 7/,
    );
    expect(() => native.geluBackward(v, d, new Float32Array(1))).toThrow(
      /geluBackward: dx needs 7/,
    );
  });

  it.each(['avx2', 'generic'])(
    'the %s GELU loops (forced with SELFSUP_NATIVE_ISA) compute the same',
    (isa) => {
      if (native.isa === 'generic' && isa === 'avx2') return; // not on this CPU
      const n = 5000;
      const x = Array.from({ length: n }, (_, i) => Math.fround(-6 + (12 * i) / n));
      const script = `
        const { loadNative } = await import(${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))});
        const { kernels } = loadNative();
        const x = new Float32Array(${JSON.stringify(x)});
        const y = new Float32Array(${n});
        const dx = new Float32Array(${n});
        kernels.geluForward(x, y);
        kernels.geluBackward(x, new Float32Array(${n}).fill(1), dx);
        console.log(JSON.stringify({ isa: kernels.isa, y: Array.from(y), dx: Array.from(dx) }));`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module'], {
        input: script,
        encoding: 'utf8',
        env: { ...process.env, SELFSUP_NATIVE_ISA: isa },
      });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { isa: string; y: number[]; dx: number[] };
      expect(out.isa).toBe(isa);
      expect(maxAbsDiff(out.y, x.map(gelu64))).toBeLessThan(1e-6);
      expect(maxAbsDiff(out.dx, x.map(dgelu64))).toBeLessThan(1e-6);
    },
  );

  it('reduceSum sums the middle axis of [outer, rows, inner] like a float64 loop', () => {
    for (const [outer, rows, inner] of [
      [1, 5000, 7], // columns (a bias gradient)
      [3000, 40, 1], // rows (a last-axis sum)
      [6, 700, 9], // middle axis
      [1, 100_000, 1], // everything, split over threads by rows
    ]) {
      const x = random(outer * rows * inner, outer + rows + inner);
      const want = new Float64Array(outer * inner);
      for (let p = 0; p < outer; p++)
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < inner; c++) want[p * inner + c] += x[(p * rows + r) * inner + c];
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        const out = new Float32Array(outer * inner).fill(3);
        native.reduceSum({ x, outer, rows, inner, out });
        expect(maxAbsDiff(out, want)).toBeLessThan(1e-4 + 1e-6 * rows);
        native.reduceSum({ x, outer, rows, inner, scale: 1 / rows, out });
        expect(
          maxAbsDiff(
            out,
            want.map((v) => v / rows),
          ),
        ).toBeLessThan(1e-6);
      }
    }
    expect(() =>
      native.reduceSum({
        x: new Float32Array(10),
        outer: 2,
        rows: 3,
        inner: 2,
        out: new Float32Array(4),
      }),
    ).toThrow(/reduceSum: x needs 12 elements/);
  });

  it('binary add, sub, mul and reluGrad equal JS loops for every broadcast of either operand', () => {
    const [outer, inner] = [300, 130]; // large enough for both threads
    const sizes = { full: outer * inner, row: inner, column: outer, scalar: 1 };
    const at = (mode: keyof typeof sizes, o: number, i: number) =>
      mode === 'full' ? o * inner + i : mode === 'row' ? i : mode === 'column' ? o : 0;
    const modes = Object.keys(sizes) as (keyof typeof sizes)[];
    const reluGrad = (dy: number, x: number) => (x > 0 ? dy : Number.isNaN(x) ? NaN : 0);
    for (const op of ['add', 'sub', 'mul', 'reluGrad'] as const)
      for (const aBroadcast of modes)
        for (const bBroadcast of modes) {
          const a = random(sizes[aBroadcast], 51);
          const b = random(sizes[bBroadcast], 52);
          b[0] = op === 'reluGrad' ? NaN : b[0];
          // relu's gradient at 0 is 0, as tfjs's step(0) (indices the checks below visit).
          if (b.length > 7) [b[3], b[7]] = [0, 0];
          const out = new Float32Array(outer * inner);
          native.setThreads(2);
          native.binary({ op, a, aBroadcast, b, bBroadcast, outer, inner, out });
          for (let o = 0; o < outer; o += 7)
            for (let i = 0; i < inner; i += 3) {
              const x = a[at(aBroadcast, o, i)];
              const y = b[at(bBroadcast, o, i)];
              const want = Math.fround(
                op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : reluGrad(x, y),
              );
              expect(out[o * inner + i]).toBe(want);
            }
        }
    expect(() =>
      native.binary({
        op: 'mul',
        a: new Float32Array(5),
        aBroadcast: 'full',
        b: new Float32Array(1),
        bBroadcast: 'scalar',
        outer: 2,
        inner: 3,
        out: new Float32Array(6),
      }),
    ).toThrow(/binary: a needs 6 elements/);
  });

  it('reduceMax takes the largest over the middle axis, and NaN wherever one is NaN', () => {
    for (const [outer, rows, inner] of [
      [1, 5000, 7],
      [3000, 41, 1],
      [6, 700, 9],
    ]) {
      const x = random(outer * rows * inner, outer + rows);
      x[(0 * rows + 17) * inner] = NaN; // the first output of the first slab becomes NaN
      for (const threads of [1, 2]) {
        native.setThreads(threads);
        const out = new Float32Array(outer * inner);
        native.reduceMax({ x, outer, rows, inner, out });
        for (let p = 0; p < outer; p++)
          for (let c = 0; c < inner; c++) {
            let want = -Infinity;
            for (let r = 0; r < rows; r++) {
              const v = x[(p * rows + r) * inner + c];
              want = Number.isNaN(v) || Number.isNaN(want) ? NaN : Math.max(want, v);
            }
            expect(out[p * inner + c]).toBe(Math.fround(want));
          }
      }
    }
  });
});

/** float64 per-channel batch mean, biased variance and 1 / sqrt(variance + eps) of [rows, channels]. */
function batchStatistics(x: Float32Array, rows: number, channels: number, eps: number) {
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) mean[c] += x[r * channels + c] / rows;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) variance[c] += (x[r * channels + c] - mean[c]) ** 2 / rows;
  return { mean, variance, invStd: variance.map((v) => 1 / Math.sqrt(v + eps)) };
}
