// `npm run bench`: the training-step benchmark of selfsup (TensorFlow.js) side by side with PyTorch.
// See tools/bench/README.md. Each measurement runs in its own process, one after the other: for
// every workload, the tfjs backends (tfjs-bench.mts), then PyTorch (torch_bench.py), so that each
// ratio compares runs taken minutes apart on the same machine.
//
//   npm run bench                      full suite, writes bench/results/<date>.json and the README table
//   npm run bench -- --quick           1 warm-up + 2 steps at small batches (checks that it runs)
//   options: --only 1,3  --backend wasm|cpu|tfjs-node|tfjs-node-gpu (comma list)  --no-torch
//            --steps N (10)  --warmup N (2)  --torch-threads N (2)  --timeout SECONDS (900 per run)
//            --out FILE  --no-readme  --readme FILE  --python PATH
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { renderTable, writeReadmeTable } from './readme-table.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const require = createRequire(path.join(ROOT, 'package.json'));

const USAGE = `usage: npm run bench -- [--quick] [--only 1,2,..] [--backend wasm,cpu,tfjs-node,tfjs-node-gpu]
  [--no-torch] [--steps N] [--warmup N] [--torch-threads N] [--timeout SECONDS] [--out FILE]
  [--no-readme] [--readme FILE] [--python PATH]`;
const FLAGS = new Set(['--quick', '--no-torch', '--no-readme', '--help', '-h']);
const VALUED = new Set([
  '--only',
  '--backend',
  '--steps',
  '--warmup',
  '--torch-threads',
  '--timeout',
  '--out',
  '--readme',
  '--python',
]);

/** Argument errors: a message and exit code 2, no stack trace. */
function fail(message) {
  console.error(message);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (FLAGS.has(a)) opts[a] = true;
    else if (VALUED.has(a)) {
      if (i + 1 >= argv.length) fail(`bench: ${a} needs a value\n${USAGE}`);
      opts[a] = argv[++i];
    } else fail(`bench: unknown argument '${a}'\n${USAGE}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
if (opts['--help'] || opts['-h']) {
  console.log(USAGE);
  process.exit(0);
}
const quick = opts['--quick'] === true;
const intOpt = (name, dflt, min) => {
  const v = opts[name] === undefined ? dflt : Number(opts[name]);
  if (!Number.isInteger(v) || v < min) {
    fail(`bench: ${name} must be an integer >= ${min}, got ${opts[name]}`);
  }
  return v;
};
const steps = intOpt('--steps', quick ? 2 : 10, 1);
const warmup = intOpt('--warmup', quick ? 1 : 2, 0);
const torchThreads = intOpt('--torch-threads', 2, 1);
const timeoutSec = intOpt('--timeout', 900, 1);
if (!quick && steps < 10) {
  console.warn(`bench: --steps ${steps}: the published figures are medians of at least 10 steps`);
}

const { workloads } = JSON.parse(readFileSync(path.join(HERE, 'workloads.json'), 'utf8'));
const ids = workloads.map((w) => w.id);
const only =
  opts['--only'] === undefined
    ? ids
    : opts['--only'].split(',').map((s) => {
        const id = Number(s.trim());
        if (!ids.includes(id)) fail(`bench: --only takes ids among ${ids.join(', ')}, got '${s}'`);
        return id;
      });

// ---------------------------------------------------------------------------------------------
// Backends. wasm and cpu ship with @selfsup/core; tfjs-node(-gpu) are optional and are detected
// here (resolvable from the repository) and loaded by the child, which reports a failure to load.

const ALL_BACKENDS = ['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu'];
const installed = (pkg) => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const backendStatus = {
  wasm: 'available',
  cpu: 'available',
  'tfjs-node': installed('@tensorflow/tfjs-node') ? 'available' : 'not installed',
  'tfjs-node-gpu': installed('@tensorflow/tfjs-node-gpu') ? 'available' : 'not installed',
};
const explicitBackends = opts['--backend'] !== undefined;
const backendList = explicitBackends
  ? opts['--backend'].split(',').map((s) => {
      const b = s.trim();
      if (!ALL_BACKENDS.includes(b)) {
        fail(`bench: --backend takes ${ALL_BACKENDS.join(', ')}, got '${b}'`);
      }
      return b;
    })
  : ALL_BACKENDS;
const backends = [...new Set(backendList)];
if (explicitBackends && backends.includes('cpu') && only.some((id) => id !== 5)) {
  console.warn('bench: --backend cpu on workloads other than 5 takes tens of minutes per step');
}

// The cpu backend (pure JavaScript) trains about 200x slower than wasm: in --quick mode (on a
// loaded machine) one step of the cheapest workload (5) took 2 minutes at a quarter of its
// batch. It is skipped unless asked for with --backend cpu, and then runs 1 measured step, no
// warm-up.
const CPU_SKIP_REASON =
  'not run by default: the pure-JavaScript cpu backend trains about 200x slower than wasm ' +
  '(minutes for one step of the cheapest workload, over an hour for ResNet-18), beyond the ' +
  '15-minute budget of the suite; run it with --backend cpu (1 measured step, no warm-up)';

// ---------------------------------------------------------------------------------------------
// Child processes

function runChild(cmd, args, env, label) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSec * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${label}: ${e.message}`, timedOut, seconds: 0 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'selfsup-bench-'));

/** The line printed after a measurement. */
function summary(r) {
  return r.status === 'ok'
    ? `${r.stepMsMedian} ms/step, ${r.samplesPerSec} samples/s (${r.seconds} s)`
    : `FAILED\n${r.error}`;
}

async function measure(kind, cmd, args, env, label) {
  const outFile = path.join(tmp, `${label.replace(/[^\w-]+/g, '_')}.json`);
  const r = await runChild(cmd, [...args, '--out', outFile], env, label);
  let result = null;
  if (existsSync(outFile)) {
    try {
      result = JSON.parse(readFileSync(outFile, 'utf8'));
    } catch {
      result = null;
    }
  }
  if (r.timedOut) return { status: 'failed', error: `timed out after ${timeoutSec} s (--timeout)` };
  if (result === null || r.code !== 0) {
    const tail = (result?.error ?? r.stderr ?? '').trim().split('\n').slice(-8).join('\n');
    return {
      status: 'failed',
      error: tail || `${kind} exited with code ${r.code}`,
      ...(result ?? {}),
    };
  }
  return { status: 'ok', ...result, seconds: Math.round(r.seconds) };
}

function findPython() {
  // An explicit --python is the only candidate: falling back would measure another interpreter.
  const candidates = opts['--python']
    ? [opts['--python']]
    : [
        process.env.SELFSUP_BENCH_PYTHON,
        '/usr/bin/python3', // Debian's, where python3-torch installs (a pyenv python3 would not see it)
        'python3',
        'python',
      ].filter(Boolean);
  const tried = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy; print(torch.__version__)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { python: py, torch: r.stdout.trim() };
    tried.push(`${py}: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}`);
  }
  return { python: null, reason: `no Python with torch and numpy found (${tried.join('; ')})` };
}

// ---------------------------------------------------------------------------------------------
// Run

const started = Date.now();
const load = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
const loadStart = load();
if (loadStart[0] > os.cpus().length * 0.5) {
  console.warn(
    `bench: load average ${loadStart[0]} on ${os.cpus().length} CPUs: other work is running, figures will be noisy` +
      (quick ? '' : ' (and PyTorch with several OpenMP threads suffers most)'),
  );
}
const torchSide = opts['--no-torch']
  ? { python: null, reason: 'disabled with --no-torch' }
  : findPython();
console.log(
  `bench${quick ? ' --quick' : ''}: workloads ${only.join(', ')}; ${warmup} warm-up + ${steps} measured steps; ` +
    `backends ${backends.map((b) => `${b} (${backendStatus[b]})`).join(', ')}; ` +
    (torchSide.python
      ? `PyTorch ${torchSide.torch} (${torchSide.python}, ${torchThreads} threads)`
      : `PyTorch: ${torchSide.reason}`),
);

const tsxEnv = { TSX_TSCONFIG_PATH: path.join(HERE, 'tsconfig.json') };
const results = [];
for (const id of only) {
  const spec = workloads.find((w) => w.id === id);
  let torch = null;
  const rows = [];
  for (const backend of backends) {
    const base = { workload: id, key: spec.key, title: spec.title, backend };
    if (backendStatus[backend] !== 'available') {
      rows.push({
        ...base,
        status: 'skipped',
        reason: `@tensorflow/${backend} is ${backendStatus[backend]}`,
      });
      continue;
    }
    if (backend === 'cpu' && !explicitBackends) {
      rows.push({ ...base, status: 'skipped', reason: CPU_SKIP_REASON });
      continue;
    }
    const [w, s] = backend === 'cpu' ? [0, 1] : [warmup, steps];
    const tfjsRun = (batchArgs, suffix) =>
      measure(
        'tfjs-bench',
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(HERE, 'tfjs-bench.mts'),
          '--workload',
          String(id),
          '--backend',
          backend,
          '--warmup',
          String(w),
          '--steps',
          String(s),
          ...(quick ? ['--quick'] : []),
          ...batchArgs,
        ],
        tsxEnv,
        `tfjs-${id}-${backend}${suffix}`,
      );
    process.stdout.write(`  ${id} ${spec.key} on ${backend} ... `);
    let r = await tfjsRun([], '');
    console.log(summary(r));
    if (r.status === 'failed' && /out of memory/.test(r.error) && spec.fallbackBatch && !quick) {
      // Measured again at the smaller batch (and PyTorch too, below), so a ratio still exists.
      process.stdout.write(`  ${id} ${spec.key} on ${backend} at batch ${spec.fallbackBatch} ... `);
      const full = r;
      r = await tfjsRun(['--batch', String(spec.fallbackBatch)], '-fallback');
      r.fullBatchFailure = { batch: spec.batch, error: full.error.split('\n')[0] };
      console.log(summary(r));
    }
    rows.push({ ...base, ...r, title: spec.title });
  }
  // One PyTorch measurement of this workload; `label` says what is printed before the figures.
  const torchRun = async (extraArgs, suffix, label) => {
    process.stdout.write(`  ${id} ${spec.key} on PyTorch${label} ... `);
    const t = await measure(
      'torch_bench.py',
      torchSide.python,
      [
        path.join(HERE, 'torch_bench.py'),
        '--workload',
        String(id),
        '--warmup',
        String(warmup),
        '--steps',
        String(steps),
        '--threads',
        String(torchThreads),
        ...extraArgs,
      ],
      {},
      `torch-${id}${suffix}`,
    );
    console.log(summary(t));
    return t;
  };
  torch = torchSide.python
    ? await torchRun(quick ? ['--quick'] : [], '', '')
    : { status: 'skipped', reason: torchSide.reason };
  const torchFallback =
    torchSide.python && rows.some((row) => row.fullBatchFailure !== undefined)
      ? await torchRun(
          ['--batch', String(spec.fallbackBatch)],
          '-fallback',
          ` at batch ${spec.fallbackBatch}`,
        )
      : null;
  for (const row of rows) {
    // A row measured at the fallback batch is compared with PyTorch at that batch; the full-batch
    // PyTorch figure stays in the results as torchFullBatch.
    const fellBack = row.fullBatchFailure !== undefined && torchFallback !== null;
    const torchRow = fellBack ? torchFallback : torch;
    if (row.status === 'ok' && torchRow.status === 'ok') {
      row.paramsMatch = row.params === torchRow.params;
      row.ratio = {
        samplesPerSec: Math.round((row.samplesPerSec / torchRow.samplesPerSec) * 1000) / 1000,
        peakRss: Math.round((row.peakRssMB / torchRow.peakRssMB) * 100) / 100,
      };
      if (!row.paramsMatch) {
        console.warn(
          `  WARNING workload ${id}: ${row.params} parameters on tfjs, ${torchRow.params} on PyTorch`,
        );
      }
    }
    row.torch = torchRow;
    if (fellBack) row.torchFullBatch = torch;
    results.push(row);
  }
}
rmSync(tmp, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Report

const now = new Date();
const firstOk = (side) => results.find((r) => (side === 'tfjs' ? r : r.torch)?.status === 'ok');
const tfjsOk = firstOk('tfjs');
const torchOk = firstOk('torch')?.torch;
const report = {
  date: now.toISOString(),
  quick,
  command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  machine: {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    loadAvgStart: loadStart,
    loadAvgEnd: load(),
  },
  versions: {
    node: process.version,
    tfjs: tfjsOk?.tfjs ?? null,
    core: tfjsOk?.coreModule ?? null,
    torch: torchOk?.torch ?? torchSide.torch ?? null,
    python: torchOk?.python ?? null,
    blas: torchOk?.blas ?? null,
  },
  settings: {
    warmup,
    steps,
    torchThreads,
    wasmThreads: results.find((r) => r.backend === 'wasm' && r.status === 'ok')?.threads ?? null,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null,
    cpuBackend:
      explicitBackends && backends.includes('cpu')
        ? '1 measured step, no warm-up'
        : CPU_SKIP_REASON,
  },
  backends: backendStatus,
  totalSeconds: Math.round((Date.now() - started) / 1000),
  results,
};

const day = now.toISOString().slice(0, 10);
let outFile = opts['--out'];
if (outFile === undefined) {
  const dir = quick ? path.join(os.tmpdir(), 'selfsup-bench') : path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  outFile = path.join(dir, `${day}${quick ? '.quick' : ''}.json`);
  if (!quick && existsSync(outFile))
    outFile = path.join(dir, `${day}-${now.toISOString().slice(11, 16).replace(':', '')}.json`);
}
writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');
const table = renderTable(report);
console.log(`\n${table}\n\nresults: ${outFile} (${report.totalSeconds} s in total)`);

// Quick runs check that everything works; their figures must not land in the README.
const readme =
  opts['--readme'] ?? (quick || opts['--no-readme'] ? null : path.join(ROOT, 'README.md'));
if (readme !== null) {
  await writeReadmeTable(readme, table);
  console.log(`table written to ${path.relative(process.cwd(), readme)}`);
}
const failed = results.filter((r) => r.status === 'failed' || r.torch?.status === 'failed');
if (failed.length > 0) {
  console.error(`bench: ${failed.length} run(s) failed`);
  process.exitCode = 1;
}
