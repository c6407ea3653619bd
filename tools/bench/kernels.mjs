// Times the wasm kernels that @selfsup/core registers (registerWasmTrainingKernels) against the
// stock tfjs-backend-wasm ones: median wall time of N runs and GFLOP/s (GB/s for copies).
//
//   cd packages/core && npx tsup && cd ../.. && node tools/bench/kernels.mjs   (built package)
//   npx tsx tools/bench/kernels.mjs --src                                      (sources, via tsx)
//   options: --runs N (default 5), --only substring
//
// The numbers are single-threaded wasm (SIMD) and noisy on a shared machine: read them as ratios.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('--runs', 5));
const ONLY = opt('--only', '');
const core = args.includes('--src')
  ? await import('../../packages/core/src/backend/index.ts')
  : await import('@selfsup/core');

const require = createRequire(import.meta.url);
const wasm = require('@tensorflow/tfjs-backend-wasm');
tf.env().set('PROD', true);
wasm.setWasmPaths(
  path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') +
    path.sep,
);
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialize');

const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
const conv = (b, h, w, ci, co, k, s) =>
  2 * b * Math.ceil(h / s) * Math.ceil(w / s) * k * k * ci * co;

/** [label, kernel name, work (flops, or bytes with unit 'GB/s'), unit, setup -> fn]. */
const CASES = [
  ...[
    [32, 32, 32, 64, 64, 3, 1],
    [32, 32, 32, 64, 64, 3, 2],
    [64, 16, 16, 128, 128, 3, 1],
    [64, 32, 32, 3, 32, 3, 1],
  ].flatMap(([b, h, w, ci, co, k, s]) => {
    const tag = `${b}x${h}x${w}x${ci}->${co} k${k} s${s}`;
    const flops = conv(b, h, w, ci, co, k, s);
    const oh = Math.ceil(h / s);
    const ow = Math.ceil(w / s);
    return [
      [
        `Conv2DBackpropFilter ${tag}`,
        'Conv2DBackpropFilter',
        flops,
        'GFLOP/s',
        () => {
          const x = tf.randomNormal([b, h, w, ci]);
          const dy = tf.randomNormal([b, oh, ow, co]);
          return () =>
            run(
              'Conv2DBackpropFilter',
              { x, dy },
              { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, ci, co] },
            );
        },
      ],
      [
        `Conv2DBackpropInput ${tag}`,
        'Conv2DBackpropInput',
        flops,
        'GFLOP/s',
        () => {
          const dy = tf.randomNormal([b, oh, ow, co]);
          const filter = tf.randomNormal([k, k, ci, co]);
          return () =>
            run(
              'Conv2DBackpropInput',
              { dy, filter },
              { strides: s, pad: 'same', dataFormat: 'NHWC', inputShape: [b, h, w, ci] },
            );
        },
      ],
    ];
  }),
  ...[
    [32, 32, 32, 64, 3, 1],
    [32, 32, 32, 64, 3, 2],
  ].flatMap(([b, h, w, c, k, s]) => {
    const tag = `${b}x${h}x${w}x${c} k${k} s${s}`;
    const flops = conv(b, h, w, c, 1, k, s);
    const oh = Math.ceil(h / s);
    const ow = Math.ceil(w / s);
    return [
      [
        `DepthwiseConv2dNativeBackpropFilter ${tag}`,
        'DepthwiseConv2dNativeBackpropFilter',
        flops,
        'GFLOP/s',
        () => {
          const x = tf.randomNormal([b, h, w, c]);
          const dy = tf.randomNormal([b, oh, ow, c]);
          return () =>
            run(
              'DepthwiseConv2dNativeBackpropFilter',
              { x, dy },
              { strides: s, pad: 'same', dilations: 1, filterShape: [k, k, c, 1] },
            );
        },
      ],
      [
        `DepthwiseConv2dNativeBackpropInput ${tag}`,
        'DepthwiseConv2dNativeBackpropInput',
        flops,
        'GFLOP/s',
        () => {
          const dy = tf.randomNormal([b, oh, ow, c]);
          const filter = tf.randomNormal([k, k, c, 1]);
          return () =>
            run(
              'DepthwiseConv2dNativeBackpropInput',
              { dy, filter },
              { strides: s, pad: 'same', dilations: 1, inputShape: [b, h, w, c] },
            );
        },
      ],
    ];
  }),
  ...(() => {
    const [b, d, h, w, ci, co, k] = [4, 8, 16, 16, 32, 32, 3];
    const flops = 2 * b * d * h * w * k * k * k * ci * co;
    const tag = `${b}x${d}x${h}x${w}x${ci}->${co} k${k} s1`;
    return [
      [
        `Conv3D ${tag}`,
        'Conv3D',
        flops,
        'GFLOP/s',
        () => {
          const x = tf.randomNormal([b, d, h, w, ci]);
          const filter = tf.randomNormal([k, k, k, ci, co]);
          return () => tf.conv3d(x, filter, 1, 'same');
        },
      ],
      [
        `Conv3DBackpropFilterV2 ${tag}`,
        'Conv3DBackpropFilterV2',
        flops,
        'GFLOP/s',
        () => {
          const x = tf.randomNormal([b, d, h, w, ci]);
          const dy = tf.randomNormal([b, d, h, w, co]);
          return () =>
            run(
              'Conv3DBackpropFilterV2',
              { x, dy },
              { strides: 1, pad: 'same', filterShape: [k, k, k, ci, co] },
            );
        },
      ],
      [
        `Conv3DBackpropInputV2 ${tag}`,
        'Conv3DBackpropInputV2',
        flops,
        'GFLOP/s',
        () => {
          const dy = tf.randomNormal([b, d, h, w, co]);
          const filter = tf.randomNormal([k, k, k, ci, co]);
          return () => tf.conv3dTranspose(dy, filter, [b, d, h, w, ci], 1, 'same');
        },
      ],
    ];
  })(),
  ...[
    ['512x512x512', [], 512, 512, 512, false, false],
    ['512x512x512 transposeA', [], 512, 512, 512, true, false],
    ['512x512x512 transposeB', [], 512, 512, 512, false, true],
    ['512x512x512 both', [], 512, 512, 512, true, true],
    ['4096x256 . 256x256^T (dense dX)', [], 4096, 256, 256, false, true],
    ['4096x256^T . 4096x256 (dense dW)', [], 256, 4096, 256, true, false],
    ['[256] 64x32x64 (attention)', [256], 64, 32, 64, false, false],
    ['[256] 64x32x64 transposeB (QK^T)', [256], 64, 32, 64, false, true],
    ['[256] 64x64x32 transposeA (dV)', [256], 64, 64, 32, true, false],
    ['[16] 256x64x256 transposeB', [16], 256, 64, 256, false, true],
    ['[8x512] x 512x512 (batch against weights)', [8], 512, 512, 512, false, false],
  ].map(([tag, batch, m, k, n, tA, tB]) => [
    `BatchMatMul ${tag}`,
    'BatchMatMul',
    2 * m * k * n * batch.reduce((p, q) => p * q, 1),
    'GFLOP/s',
    () => {
      const a = tf.randomNormal(tA ? [...batch, k, m] : [...batch, m, k]);
      const bShape = tag.includes('batch against')
        ? [k, n]
        : tB
          ? [...batch, n, k]
          : [...batch, k, n];
      const b = tf.randomNormal(bShape);
      return () => tf.matMul(a, b, tA, tB);
    },
  ]),
  [
    `UnsortedSegmentSum 4096 rows x 256 into 10000 (embedding grad)`,
    'UnsortedSegmentSum',
    4096 * 256,
    'GFLOP/s',
    () => {
      const x = tf.randomNormal([4096, 256]);
      const ids = tf.tensor1d(
        Array.from({ length: 4096 }, (_, i) => (i * 7919) % 10000),
        'int32',
      );
      return () => tf.unsortedSegmentSum(x, ids, 10000);
    },
  ],
  [
    `Tile [1,64] x [65536,1]`,
    'Tile',
    65536 * 64 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([1, 64]);
      return () => tf.tile(x, [65536, 1]);
    },
  ],
  [
    `Tile [64,1,1,64] x [1,32,32,1] (batchNorm grad)`,
    'Tile',
    64 * 32 * 32 * 64 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([64, 1, 1, 64]);
      return () => tf.tile(x, [1, 32, 32, 1]);
    },
  ],
  [
    `Slice interior of 64x34x34x64`,
    'Slice',
    64 * 32 * 32 * 64 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([64, 34, 34, 64]);
      return () => tf.slice(x, [0, 1, 1, 0], [64, 32, 32, 64]);
    },
  ],
  [
    `Unpack 256 items of 256x64x32`,
    'Unpack',
    256 * 64 * 32 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([256, 64, 32]);
      return () => tf.stack(tf.unstack(x));
    },
  ],
  [
    `SplitV 8 heads of 64x64x512`,
    'SplitV',
    64 * 64 * 512 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([64, 64, 512]);
      return () => tf.concat(tf.split(x, 8, 2), 0);
    },
  ],
  [
    `batch norm fwd+bwd 64x32x32x64: tf.batchNorm(moments) | batchNormTrain`,
    'batchNorm',
    64 * 32 * 32 * 64 * 4,
    'GB/s',
    () => {
      const x = tf.randomNormal([64, 32, 32, 64]);
      const gamma = tf.ones([64]);
      const beta = tf.zeros([64]);
      const registered = tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
      return () =>
        tf.tidy(() =>
          tf.stack(
            tf
              .grads((a, g, b) => {
                if (registered) return tf.sum(tf.square(core.batchNormTrain(a, g, b).y));
                const { mean, variance } = tf.moments(a, [0, 1, 2]);
                return tf.sum(tf.square(tf.batchNorm(a, mean, variance, b, g, 1e-5)));
              })([x, gamma, beta])
              .map((t) => tf.sum(t)),
          ),
        );
    },
  ],
];

function median(fn) {
  const out = fn();
  out.dataSync();
  tf.dispose(out);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = fn();
    r.dataSync();
    times.push(performance.now() - t0);
    tf.dispose(r);
  }
  times.sort((p, q) => p - q);
  return times[Math.floor(times.length / 2)];
}

function measure() {
  const results = new Map();
  for (const [label, kernel, work, , setup] of CASES) {
    if (ONLY && !label.includes(ONLY)) continue;
    const missing = tf.getKernel(kernel, 'wasm') === undefined && kernel !== 'batchNorm';
    if (missing) {
      results.set(label, { missing: true });
      continue;
    }
    // A scope around the case frees its inputs afterwards.
    tf.engine().startScope();
    try {
      const ms = median(setup());
      results.set(label, { ms, rate: work / ms / 1e6 });
    } catch (e) {
      results.set(label, {
        error: String(e.message ?? e)
          .split('\n')[0]
          .slice(0, 60),
      });
    } finally {
      tf.engine().endScope();
    }
  }
  return results;
}

const fmt = (r, unit) => {
  if (r === undefined) return '';
  if (r.missing) return 'missing';
  if (r.error) return `error: ${r.error}`;
  return `${r.ms.toFixed(1).padStart(8)} ms ${r.rate.toFixed(2).padStart(6)} ${unit}`;
};
const stock = measure();
core.registerWasmTrainingKernels();
const ours = measure();
console.log(`wasm, ${wasm.getThreadsCount()} thread(s), median of ${RUNS} runs\n`);
console.log(`${'case'.padEnd(72)} ${'stock'.padStart(26)}   ${'selfsup'.padStart(26)}   speedup`);
for (const [label, , , unit] of CASES) {
  if (!ours.has(label)) continue;
  const s = stock.get(label);
  const o = ours.get(label);
  const speedup = s.ms !== undefined && o.ms !== undefined ? `${(s.ms / o.ms).toFixed(1)}x` : '';
  console.log(
    `${label.padEnd(72)} ${fmt(s, unit).padStart(26)}   ${fmt(o, unit).padStart(26)}   ${speedup}`,
  );
}
