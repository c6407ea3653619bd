// Times a SimCLR-style augmentation pipeline on wasm: node --import tsx tools/bench/augment.mts
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadavg } from 'node:os';
import { createRng } from '../../packages/core/src/random/index';
import * as A from '../../packages/core/src/augment/index';
const req = createRequire(new URL('../../packages/core/package.json', import.meta.url));
setWasmPaths(`${dirname(req.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
tf.env().set('PROD', true);
await tf.setBackend('wasm');
const rng = createRng(0);
console.log(
  'load',
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' '),
);
for (const [h, c] of [
  [28, 1],
  [32, 3],
] as const) {
  const img = tf.randomUniform([256, h, h, c]) as tf.Tensor4D;
  const pipe = A.compose([
    A.randomResizedCrop({ size: h }),
    A.horizontalFlip(),
    A.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
    A.randomGrayscale({ p: 0.2 }),
  ]);
  for (let i = 0; i < 3; i++) pipe(img, rng).dispose();
  const ts: number[] = [];
  const before = tf.memory().numTensors;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const y = pipe(img, rng);
    y.dataSync();
    ts.push(performance.now() - t0);
    y.dispose();
  }
  ts.sort((a, b) => a - b);
  console.log(
    `256 x ${h}x${h}x${c}: min ${ts[0].toFixed(1)} ms, median ${ts[15].toFixed(1)} ms, p90 ${ts[27].toFixed(1)} ms; tensors leaked ${tf.memory().numTensors - before}`,
  );
  img.dispose();
}
console.log(
  'load',
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' '),
);
