import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, listCheckpoints } from '../checkpoint/index';
import { setGlobalSeed } from '../random/index';
import { momentumSgd, pairData, TinyMethod, type PairBatch } from './fixtures/tiny-method';
import { Trainer } from './index';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'fixtures', 'train-script.ts');
const packageDir = path.resolve(here, '../..');
const STEPS = 30;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-kill-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function run(env: Record<string, string>): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: packageDir,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function resumeToEnd(
  runDir: string,
): Promise<{ steps: number; resumedFrom: string; weights: number[] }> {
  const { done } = run({ RUN_DIR: runDir, STEPS: String(STEPS), RESUME: '1' });
  const exit = await done;
  expect(exit.code, exit.stderr).toBe(0);
  return JSON.parse(await fs.readFile(path.join(runDir, 'result.json'), 'utf8'));
}

/** The same run as the fixture, uninterrupted, in this process (same backend: cpu). */
async function reference(): Promise<number[]> {
  setGlobalSeed(99);
  const method = new TinyMethod();
  await new Trainer<PairBatch>({
    method,
    optimizer: momentumSgd(),
    data: pairData(),
    steps: STEPS,
    schedule: (s) => 0.05 * (1 - s / 40),
    gradAccumulation: 2,
    clipNorm: 1,
    seed: 5,
    progress: false,
    log: () => undefined,
  }).fit();
  const w = method.snapshot();
  method.dispose();
  return w;
}

const maxDiff = (a: number[], b: number[]) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('kill -9 and resume', () => {
  let expected: number[];
  beforeAll(async () => {
    expected = await reference();
  });

  it('a process killed in the middle of writing a checkpoint resumes from the previous one, to the same weights', async () => {
    const runDir = path.join(tmp, 'mid-write');
    const { child, done } = run({ RUN_DIR: runDir, STEPS: String(STEPS), STALL_AT: '15' });
    await until(() => existsSync(path.join(runDir, 'stalled')), 'the stalled checkpoint write');
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const names = await fs.readdir(path.join(runDir, 'checkpoints'));
    const partial = names.filter((n) => n.startsWith('.tmp-step-000000015'));
    expect(partial, 'a half-written checkpoint folder is left behind').toHaveLength(1);
    expect(existsSync(path.join(runDir, 'checkpoints', partial[0], 'manifest.json'))).toBe(false);
    expect(existsSync(path.join(runDir, 'checkpoints', partial[0], 'encoder', 'model.json'))).toBe(
      true,
    );
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([5, 10]);
    expect(await latestCheckpoint(runDir)).toMatch(/step-000000010$/);

    const result = await resumeToEnd(runDir);
    expect(result.resumedFrom).toMatch(/step-000000010$/);
    expect(result.steps).toBe(STEPS);
    expect(maxDiff(result.weights, expected)).toBeLessThan(1e-6);
    const after = await fs.readdir(path.join(runDir, 'checkpoints'));
    expect(after.filter((n) => n.startsWith('.tmp'))).toEqual([]); // cleaned by the resumed run
  });

  it('a process killed at an arbitrary point after a checkpoint resumes to the same weights', async () => {
    const runDir = path.join(tmp, 'anywhere');
    const { child, done } = run({ RUN_DIR: runDir, STEPS: String(STEPS), THROTTLE_MS: '25' });
    await until(
      () => existsSync(path.join(runDir, 'checkpoints', 'step-000000010')),
      'the checkpoint of step 10',
    );
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const saved = (await listCheckpoints(runDir)).map((c) => c.step);
    expect(saved).toContain(10);
    expect(Math.max(...saved)).toBeLessThan(STEPS);
    const result = await resumeToEnd(runDir);
    expect(result.resumedFrom).toMatch(new RegExp(`step-0+${Math.max(...saved)}$`));
    expect(maxDiff(result.weights, expected)).toBeLessThan(1e-6);
  });
});
