// Where one training step's time goes: runs a workload (see workloads.json) for a few warm-up
// steps, then one step under tf.profile, and prints the time per kernel name and the costliest
// kernel calls with their shapes. By hand:
//
//   TSX_TSCONFIG_PATH=tools/bench/tsconfig.json node --import tsx tools/bench/profile.mts \
//     --workload 1 [--backend wasm] [--batch 64] [--top 25] [--json out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createRng, initBackend } from '@selfsup/core';
import { buildWorkload, type WorkloadSpec } from './tfjs-workloads.mts';

const args = process.argv.slice(2);
const opt = (name: string, dflt?: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const config = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8')) as {
  workloads: WorkloadSpec[];
};
const spec = config.workloads.find((w) => w.id === Number(opt('--workload', '1')));
if (spec === undefined) throw new Error('profile: unknown --workload');
await initBackend(opt('--backend', 'wasm') as 'wasm' | 'cpu');
const batch = Number(opt('--batch', String(spec.batch)));
const top = Number(opt('--top', '25'));
const w = await buildWorkload(spec, batch, createRng(1));
for (let i = 0; i < Number(opt('--warmup', '2')); i++) w.run().dispose();

const t0 = performance.now();
const plain = w.run();
await plain.data();
plain.dispose();
const wallMs = performance.now() - t0;

const profile = await tf.profile(async () => {
  const loss = w.run();
  await loss.data();
  loss.dispose();
});
const byName = new Map<string, { ms: number; calls: number }>();
const calls: { name: string; ms: number; shapes: string }[] = [];
for (const k of profile.kernels) {
  const ms = Number(await k.kernelTimeMs);
  const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls += 1;
  byName.set(k.name, entry);
  calls.push({ name: k.name, ms, shapes: JSON.stringify(k.inputShapes) });
}
const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
console.log(
  `workload ${spec.id} (${spec.key}), batch ${batch}, ${tf.getBackend()}: step ${wallMs.toFixed(0)} ms ` +
    `unprofiled; kernels sum to ${total.toFixed(0)} ms over ${profile.kernels.length} calls; ` +
    `peak tensors ${(profile.peakBytes / 2 ** 20).toFixed(0)} MB`,
);
console.log('\nby kernel:');
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(
    `  ${name.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${e.calls} calls`,
  );
}
console.log('\ncostliest calls:');
for (const c of calls.sort((a, b) => b.ms - a.ms).slice(0, top)) {
  console.log(`  ${c.name.padEnd(28)} ${c.ms.toFixed(1).padStart(8)} ms  ${c.shapes}`);
}
const json = opt('--json');
if (json !== undefined)
  writeFileSync(json, JSON.stringify({ wallMs, byName: [...byName], calls }, null, 1));
