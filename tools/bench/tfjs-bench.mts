// One measurement on the selfsup (tfjs) side: one workload on one backend, in its own process so
// that the peak RSS is this workload's. Started by run.mjs; by hand:
//
//   TSX_TSCONFIG_PATH=tools/bench/tsconfig.json node --import tsx tools/bench/tfjs-bench.mts \
//     --workload 1 --backend wasm --warmup 1 --steps 2 --quick --out /tmp/w1.json
//
// Writes one JSON object (see README.md) to --out, or to stdout without it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createRng, initBackend, trackWasmBuffers } from '@selfsup/core';
import { buildWorkload, type WorkloadSpec } from './tfjs-workloads.mts';

const args = process.argv.slice(2);
const opt = (name: string, dflt?: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const workloadId = Number(opt('--workload'));
const backend = opt('--backend', 'wasm')!;
const warmup = Number(opt('--warmup', '2'));
const steps = Number(opt('--steps', '10'));
const quick = args.includes('--quick');
const out = opt('--out');

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of a sorted list. */
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

/** Activates `name`: wasm and cpu through initBackend, tfjs-node(-gpu) by loading that package. */
async function setupBackend(
  name: string,
): Promise<{ name: string; reason: string; threads?: number }> {
  if (name === 'wasm' || name === 'cpu') return initBackend(name);
  if (name === 'tfjs-node' || name === 'tfjs-node-gpu') {
    // initBackend('tensorflow') would prefer -gpu when both are installed; load the one asked for.
    createRequire(import.meta.url)(`@tensorflow/${name}`);
    if (!(await tf.setBackend('tensorflow')))
      throw new Error(`@tensorflow/${name}: backend failed to initialize`);
    tf.env().set('PROD', true);
    return { name: 'tensorflow', reason: `native TensorFlow from @tensorflow/${name}` };
  }
  throw new Error(
    `tfjs-bench: --backend must be wasm, cpu, tfjs-node or tfjs-node-gpu, got '${name}'`,
  );
}

async function main(): Promise<Record<string, unknown>> {
  const config = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8')) as {
    workloads: WorkloadSpec[];
  };
  const spec = config.workloads.find((w) => w.id === workloadId);
  if (spec === undefined) {
    throw new Error(
      `tfjs-bench: --workload must be one of ${config.workloads.map((w) => w.id).join(', ')}, got ${opt('--workload')}`,
    );
  }
  if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
    throw new Error(
      `tfjs-bench: --steps must be >= 1 and --warmup >= 0, got ${steps} and ${warmup}`,
    );
  }
  const info = await setupBackend(backend);
  const startRss = process.memoryUsage().rss;
  const rng = createRng(1234);
  const batch =
    opt('--batch') !== undefined ? Number(opt('--batch')) : quick ? spec.quickBatch : spec.batch;
  const t0 = performance.now();
  const w = await buildWorkload(spec, batch, rng);
  const buildMs = performance.now() - t0;

  const losses: number[] = [];
  const timed = async (): Promise<number> => {
    const start = performance.now();
    const loss = w.run();
    // Reading the loss waits for the step to finish on asynchronous backends too.
    const value = (await loss.data())[0];
    const ms = performance.now() - start;
    loss.dispose();
    losses.push(value);
    return ms;
  };
  // Peak tfjs tensor memory: the first warm-up step runs under tf.profile, which snapshots
  // numBytes after every kernel (its own bookkeeping slows that step, which is not measured).
  let peakTensorBytes: number | null = null;
  let peakBufferBytes: number | null = null;
  const warmupMs: number[] = [];
  for (let i = 0; i < warmup; i++) {
    if (i > 0) {
      warmupMs.push(await timed());
      continue;
    }
    const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
    let ms = 0;
    const live = trackWasmBuffers();
    const profile = await tf.profile(async () => {
      ms = await timed();
    });
    peakBufferBytes = live?.stop() ?? null;
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
    peakTensorBytes = profile.peakBytes;
    warmupMs.push(ms);
  }
  const tensorsBefore = tf.memory().numTensors;
  const load1 = loadavg()[0];
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) stepMs.push(await timed());
  const load2 = loadavg()[0];
  const leaked = tf.memory().numTensors - tensorsBefore;
  const steadyBytes = tf.memory().numBytes;
  const heapBytes = wasmHeapBytes();

  const sorted = [...stepMs].sort((a, b) => a - b);
  const median =
    sorted.length % 2 === 1
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    side: 'tfjs',
    workload: spec.id,
    key: spec.key,
    backend,
    backendInfo: info.reason,
    threads: info.threads ?? null,
    tfjs: tf.version.tfjs,
    coreModule: path.relative(process.cwd(), fileURLToPath(import.meta.resolve('@selfsup/core'))),
    quick,
    batch: w.batch,
    sampleUnit: w.sampleUnit,
    impl: w.impl,
    params: w.params,
    nonTrainable: w.nonTrainable,
    warmup,
    steps,
    buildMs: round(buildMs, 0),
    warmupMs: warmupMs.map((x) => round(x, 1)),
    stepMs: stepMs.map((x) => round(x, 1)),
    stepMsMedian: round(median, 1),
    stepMsP90: round(percentile(sorted, 0.9), 1),
    samplesPerSec: Number(((w.batch * 1000) / median).toPrecision(4)),
    peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
    startRssMB: mb(startRss),
    // tfjs's numBytes: a buffer shared by several tensors (clones saved for the backward pass,
    // reshapes) counts once per tensor, so this overstates memory; peakBufferMB does not.
    peakTensorMB: peakTensorBytes === null ? null : mb(peakTensorBytes),
    peakBufferMB: peakBufferBytes === null ? null : mb(peakBufferBytes),
    wasmHeapMB: heapBytes === null ? null : mb(heapBytes),
    steadyTensorMB: mb(steadyBytes),
    tensorsLeakedPerRun: leaked,
    lossFirst: round(losses[0], 4),
    lossLast: round(losses[losses.length - 1], 4),
    loadAvg1m: [round(load1), round(load2)],
  };
}

/** The wasm heap's size: it only grows, so this is the high-water mark (what runs out at 4 GB). */
function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer
    .byteLength;
}

// Under tf.profile the wasm backend runs each kernel inside an async timer, so a kernel's own error
// (such as running out of wasm memory) surfaces as an unhandled rejection while the op fails with
// a bare TypeError: keep the first such error and report it instead.
let asyncError: Error | undefined;
process.on('unhandledRejection', (e) => {
  asyncError ??= e instanceof Error ? e : new Error(String(e));
});
const result = await main().catch(async (e: Error) => {
  // The rejection event comes after the microtasks of this failure: let it arrive.
  await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    side: 'tfjs',
    workload: workloadId,
    backend,
    status: 'failed',
    error: ((asyncError ?? e).stack ?? String(asyncError ?? e)).split('\n').slice(0, 6).join('\n'),
  };
});
const text = JSON.stringify(result, null, 2);
if (out !== undefined) writeFileSync(out, text + '\n');
else console.log(text);
process.exitCode = 'error' in result ? 1 : 0;
