// Renders a bench results file as a markdown table and writes it into a README between
// `<!-- bench:start -->` and `<!-- bench:end -->` (adding a "## Benchmarks" section at the end when
// the markers are missing). run.mjs calls it after a full run; by hand:
//
//   node tools/bench/readme-table.mjs [bench/results/<date>.json] [--readme README.md] [--print]
//
// Without a file, the newest bench/results/*.json is used.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

const SHORT = {
  'simclr-convnet': 'SimCLR, ConvNet-4',
  'simclr-resnet18': 'SimCLR, ResNet-18',
  'mae-vit': 'MAE, ViT-6/192',
  'bert-tiny-mlm': 'BERT-tiny MLM',
  wav2vec2: 'wav2vec 2.0-style',
};

const fmt = (x, digits = 1) => {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  // Small values (cpu backend) keep 2 significant digits instead of rounding to 0.
  if (x !== 0 && Math.abs(x) < 5 * 10 ** -(digits + 1)) return Number(x).toPrecision(2);
  return Number(x).toLocaleString('en-US', { maximumFractionDigits: digits });
};

/** A markdown table with every column padded as prettier pads it. */
function markdownTable(header, rows, rightAligned) {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i].length)));
  const cell = (text, i) => (rightAligned[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned[i] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The markdown block (intro, table, notes) for a results object written by run.mjs. */
export function renderTable(report) {
  const { machine, versions, settings } = report;
  const rows = [];
  const notes = [];
  const seen = new Set();
  for (const r of report.results) {
    const t = r.torch ?? {};
    if (r.status !== 'ok') {
      const note =
        r.status === 'failed'
          ? `${r.backend}: failed (${(r.error ?? '').split('\n')[0]})`
          : `${r.backend}: ${r.reason ?? r.status}`;
      if (r.status === 'failed') notes.push(`workload ${r.workload} on ${note}`);
      else if (!seen.has(r.backend)) {
        seen.add(r.backend);
        notes.push(note);
      }
      continue;
    }
    const params =
      t.status === 'ok'
        ? r.params === t.params
          ? fmt(r.params, 0)
          : `${fmt(r.params, 0)} / ${fmt(t.params, 0)} (differ)`
        : fmt(r.params, 0);
    const torchOk = t.status === 'ok';
    if (r.fullBatchFailure !== undefined) {
      const full = r.torchFullBatch;
      notes.push(
        `workload ${r.workload} on ${r.backend}: batch ${r.fullBatchFailure.batch} failed (${r.fullBatchFailure.error}); ` +
          `both sides measured at batch ${r.batch} instead` +
          (full?.status === 'ok'
            ? ` (PyTorch at batch ${full.batch}: ${fmt(full.samplesPerSec, 1)} samples/s, ${fmt(full.stepMsMedian, 0)} ms/step)`
            : ''),
      );
    }
    rows.push([
      `${r.workload}. ${SHORT[r.key] ?? r.key}`,
      r.fullBatchFailure !== undefined ? `${r.batch}*` : String(r.batch),
      params,
      r.steps !== settings.steps || r.warmup !== settings.warmup
        ? `${r.backend} (${r.steps} step${r.steps === 1 ? '' : 's'}, ${r.warmup} warm-up)`
        : r.backend,
      fmt(r.samplesPerSec, 1),
      `${fmt(r.stepMsMedian, 0)} / ${fmt(r.stepMsP90, 0)}`,
      `${fmt(r.peakRssMB, 0)} / ${fmt(r.peakBufferMB ?? r.peakTensorMB, 0)}`,
      torchOk ? fmt(t.samplesPerSec, 1) : '–',
      torchOk ? `${fmt(t.stepMsMedian, 0)} / ${fmt(t.stepMsP90, 0)}` : '–',
      torchOk ? fmt(t.peakRssMB, 0) : '–',
      torchOk ? `${fmt(r.ratio?.samplesPerSec, 2)}x` : '–',
    ]);
  }
  const torchSkipped = report.results.find((r) => r.torch?.status === 'skipped');
  if (torchSkipped) notes.push(`PyTorch: ${torchSkipped.torch.reason}`);
  for (const r of report.results) {
    if (r.torch?.status === 'failed')
      notes.push(`PyTorch failed on workload ${r.workload}: ${r.torch.error.split('\n')[0]}`);
  }
  const header = [
    'Workload',
    'Batch',
    'Params',
    'Backend',
    'samples/s',
    'ms/step (median / p90)',
    'MB (peak RSS / tensor buffers)',
    'PyTorch samples/s',
    'PyTorch ms/step',
    'PyTorch peak RSS MB',
    'selfsup / PyTorch',
  ];
  const right = [false, true, true, false, true, true, true, true, true, true, true];
  const date = report.date.slice(0, 10);
  const intro =
    `${report.quick ? '**Quick run: these are not figures.** ' : ''}Measured ${date} by \`${report.command}\` on ${machine.cpuModel} ` +
    `(${machine.cpus} CPUs, load average ${machine.loadAvgStart[0]} at the start), Node ${versions.node}, ` +
    `TensorFlow.js ${versions.tfjs ?? '?'}` +
    (settings.wasmThreads
      ? ` (wasm: ${settings.wasmThreads} thread${settings.wasmThreads === 1 ? '' : 's'})`
      : '') +
    (versions.torch
      ? `, PyTorch ${versions.torch} (${settings.torchThreads} threads, BLAS ${versions.blas ?? '?'}). `
      : ', PyTorch not run. ') +
    `One step = forward, backward and optimizer update; median and p90 of ${settings.steps} steps after ` +
    `${settings.warmup} warm-up step${settings.warmup === 1 ? '' : 's'}. samples/s counts batch items (SimCLR: images, each seen as 2 views). ` +
    `Last column: selfsup samples/s divided by PyTorch's (above 1: selfsup faster). ` +
    `Details and raw data: [tools/bench](tools/bench/README.md), \`bench/results/\`.`;
  const list =
    notes.length > 0 ? '\n\nNot measured:\n\n' + notes.map((n) => `- ${n}`).join('\n') : '';
  return `${intro}\n\n${rows.length > 0 ? markdownTable(header, rows, right) : '_No successful run._'}${list}`;
}

/** Replaces the block between the markers of `readmePath` by `block` (prettier-formatted if present). */
export async function writeReadmeTable(readmePath, block) {
  const text = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const inner = `${START}\n\n${block}\n\n${END}`;
  let next;
  const s = text.indexOf(START);
  const e = text.indexOf(END);
  if (s >= 0 && e > s) {
    next = text.slice(0, s) + inner + text.slice(e + END.length);
  } else {
    next =
      `${text.trimEnd()}\n\n## Benchmarks\n\nTraining-step throughput against PyTorch on the same ` +
      `machine: \`npm run bench\`, described in [tools/bench](tools/bench/README.md).\n\n${inner}\n`;
  }
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(readmePath)) ?? {};
    next = await prettier.format(next, { ...config, filepath: readmePath });
  } catch {
    // prettier is a dev dependency; without it the hand-padded table is already in its style.
  }
  writeFileSync(readmePath, next);
}

async function cli(argv) {
  const readmeAt = argv.indexOf('--readme');
  const readme = readmeAt >= 0 ? argv[readmeAt + 1] : path.join(ROOT, 'README.md');
  const rest = argv.filter(
    (a, i) => a !== '--print' && (readmeAt < 0 || (i !== readmeAt && i !== readmeAt + 1)),
  );
  let file = rest[0];
  if (file === undefined) {
    const dir = path.join(ROOT, 'bench', 'results');
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => path.join(dir, f))
          .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
      : [];
    if (files.length === 0)
      throw new Error(`readme-table: no results in ${dir}; run npm run bench first`);
    file = files[files.length - 1];
  }
  const block = renderTable(JSON.parse(readFileSync(file, 'utf8')));
  if (argv.includes('--print')) console.log(block);
  else {
    await writeReadmeTable(readme, block);
    console.log(
      `readme-table: ${path.relative(process.cwd(), file)} -> ${path.relative(process.cwd(), readme)}`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await cli(process.argv.slice(2));
}
