// Throughput of one SimCLR training step (forward, backward, AdamW update) with the default
// smallConvNet ([32, 64, 128, 256]) on batches of 256 MNIST-sized images x 2 views, on the backend
// initBackend() picks (wasm here).  node --import tsx examples/simclr-throughput.ts [--batch 256] [--steps 8]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { AdamW, createRng, initBackend } from '@selfsup/core';
import { SimCLR, smallConvNet } from '../src/index';

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '256' }, steps: { type: 'string', default: '8' } },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const info = await initBackend();
console.log(`backend: ${info.reason}`);
const rng = createRng(0);
const encoder = smallConvNet({ inputShape: [28, 28, 1] }, rng);
const method = new SimCLR({ encoder }, rng);
const optimizer = new AdamW({ learningRate: 1e-3 });
const vars = Object.values(method.trainableVariables());
const views = [0, 1].map(
  () => tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', rng.seed()) as tf.Tensor4D,
);
const times: number[] = [];
for (let s = 0; s <= steps; s++) {
  const t0 = performance.now();
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => method.loss({ views }).loss, vars);
    optimizer.applyGradients(grads, vars);
    value.dataSync();
  });
  if (s > 0) times.push(performance.now() - t0); // step 0 warms up kernels and optimizer slots
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `SimCLR step, smallConvNet [32, 64, 128, 256], batch ${batch} x 2 views of 28x28x1: median ${(median / 1000).toFixed(2)} s ` +
    `(min ${(times[0] / 1000).toFixed(2)} s, max ${(times.at(-1)! / 1000).toFixed(2)} s over ${times.length} steps), ` +
    `${((2 * batch) / (median / 1000)).toFixed(0)} images/s`,
);
