import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import {
  CheckpointError,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  loadEncoder,
  nodeFileSystem,
  registerFileRouter,
  saveCheckpoint,
  verifyCheckpoint,
  type CheckpointContent,
} from './index';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-ckpt-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function encoder(): tf.LayersModel {
  const input = tf.input({ shape: [5] });
  const h = tf.layers
    .dense({
      units: 4,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(input);
  const out = tf.layers
    .dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })
    .apply(h);
  return tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
}

function content(step: number, model?: tf.LayersModel): CheckpointContent {
  return {
    step,
    epoch: 2,
    encoder: model,
    variables: {
      'online/0': tf.tensor2d([
        [1, 2],
        [3, step],
      ]),
      counts: tf.tensor1d([7, -8], 'int32'),
      flags: tf.tensor1d([true, false, true], 'bool'),
    },
    optimizer: {
      iterations: 41,
      config: { name: 'SGD', lr: 0.1 },
      slots: { 'online/0': { m: tf.ones([2, 2]), v: tf.fill([2, 2], 2) } },
    },
    methodState: {
      queue: tf.tensor2d([[0.5, -0.5]]),
      pointer: 3,
      nested: { list: [1, 'a', null, NaN, Infinity] },
    },
    trainer: { data: { epoch: 2, cursor: { k: 'index', sig: 'x', i: 12 } }, note: 'hello' },
  };
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('checkpoints', () => {
  it('round-trips variables, optimizer slots, method state and trainer JSON', async () => {
    const runDir = path.join(tmp, 'roundtrip');
    const c = content(10);
    const before = tf.memory().numTensors;
    const dir = await saveCheckpoint(runDir, c);
    expect(path.basename(dir)).toBe('step-000000010');
    expect(tf.memory().numTensors).toBe(before);
    const manifest = await verifyCheckpoint(dir);
    expect(Object.keys(manifest.files).sort()).toEqual([
      'optimizer.bin',
      'optimizer.json',
      'state.bin',
      'state.json',
      'trainer.json',
      'variables.bin',
      'variables.json',
    ]);
    const loaded = await loadCheckpoint(runDir);
    expect(loaded.dir).toBe(dir);
    expect([loaded.step, loaded.epoch, loaded.hasEncoder]).toEqual([10, 2, false]);
    expect(values(loaded.variables['online/0'])).toEqual([1, 2, 3, 10]);
    expect(loaded.variables.counts.dtype).toBe('int32');
    expect(values(loaded.variables.counts)).toEqual([7, -8]);
    expect(loaded.variables.flags.dtype).toBe('bool');
    expect(values(loaded.variables.flags)).toEqual([1, 0, 1]);
    expect(loaded.optimizer!.iterations).toBe(41);
    expect(loaded.optimizer!.config).toEqual({ name: 'SGD', lr: 0.1 });
    expect(values(loaded.optimizer!.slots['online/0'].v)).toEqual([2, 2, 2, 2]);
    const state = loaded.methodState as {
      queue: tf.Tensor;
      pointer: number;
      nested: { list: unknown[] };
    };
    expect(state.queue.shape).toEqual([1, 2]);
    expect(values(state.queue)).toEqual([0.5, -0.5]);
    expect(state.pointer).toBe(3);
    expect(state.nested.list).toEqual([1, 'a', null, NaN, Infinity]);
    expect(loaded.trainer).toEqual(c.trainer);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exports the encoder as a plain tfjs layers model (fromMemory, file handler, file:// URLs)', async () => {
    const runDir = path.join(tmp, 'encoder');
    const model = encoder();
    const x = tf.tensor2d([
      [1, -2, 3, 0.5, 0],
      [0, 1, 0, 1, 0],
    ]);
    const expected = values(model.predict(x) as tf.Tensor);
    const dir = await saveCheckpoint(runDir, content(1, model));

    // Plain tfjs, no selfsup code: read the two files and load from memory.
    const modelJson = JSON.parse(
      await fs.readFile(path.join(dir, 'encoder', 'model.json'), 'utf8'),
    );
    const weights = await fs.readFile(
      path.join(dir, 'encoder', modelJson.weightsManifest[0].paths[0]),
    );
    const plain = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ),
      }),
    );
    const viaEncoder = await loadEncoder(runDir);
    registerFileRouter();
    const url = pathToFileURL(path.join(tmp, 'exported')).href;
    await model.save(url);
    const viaUrl = await tf.loadLayersModel(`${url}/model.json`);
    const viaHandler = await tf.loadLayersModel(nodeFileSystem(path.join(tmp, 'exported')));
    for (const m of [plain, viaEncoder, viaUrl, viaHandler]) {
      const got = values(m.predict(x) as tf.Tensor);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      m.dispose();
    }
    model.dispose();
    x.dispose();
  });

  it('an interrupted save leaves the previous checkpoint as the latest, usable one', async () => {
    const runDir = path.join(tmp, 'atomic');
    const first = await saveCheckpoint(runDir, content(1));
    await expect(
      saveCheckpoint(runDir, content(2), {
        beforeCommit: () => {
          throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([1]);
    expect(await latestCheckpoint(runDir)).toBe(first);
    // A save killed mid-write (simulated: a temp folder of a dead process, half the files, no manifest).
    const leftover = path.join(runDir, 'checkpoints', '.tmp-step-000000003-p2147483646-zz');
    await fs.mkdir(leftover);
    await fs.writeFile(path.join(leftover, 'variables.bin'), Buffer.alloc(7));
    // A step folder without a manifest is not a checkpoint either.
    await fs.mkdir(path.join(runDir, 'checkpoints', 'step-000000004'));
    expect(await latestCheckpoint(runDir)).toBe(first);
    const loaded = await loadCheckpoint(runDir);
    expect(loaded.step).toBe(1);
    loaded.dispose();
    // The next save cleans the dead process's leftovers.
    await saveCheckpoint(runDir, content(5));
    expect((await fs.readdir(path.join(runDir, 'checkpoints'))).sort()).toEqual([
      'step-000000001',
      'step-000000004',
      'step-000000005',
    ]);
  });

  it('skips a corrupted newest checkpoint and says why', async () => {
    const runDir = path.join(tmp, 'corrupt');
    const good = await saveCheckpoint(runDir, content(1));
    const bad = await saveCheckpoint(runDir, content(2));
    const file = path.join(bad, 'variables.bin');
    const bytes = await fs.readFile(file);
    bytes[3] ^= 0xff;
    await fs.writeFile(file, bytes);
    const reasons: string[] = [];
    expect(
      await latestCheckpoint(runDir, {
        onInvalid: (d, r) => reasons.push(`${path.basename(d)}: ${r}`),
      }),
    ).toBe(good);
    expect(reasons[0]).toMatch(/step-000000002: .*variables\.bin is corrupt \(SHA-256/);
    await expect(loadCheckpoint(bad)).rejects.toThrow(CheckpointError);
    await fs.writeFile(file, bytes.subarray(0, 5));
    await expect(loadCheckpoint(bad)).rejects.toThrow(
      /variables\.bin has 5 bytes, the manifest says/,
    );
  });

  it('keeps the newest N checkpoints and replaces a re-saved step', async () => {
    const runDir = path.join(tmp, 'keep');
    for (let s = 1; s <= 5; s++) await saveCheckpoint(runDir, content(s), { keep: 2 });
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([4, 5]);
    await saveCheckpoint(runDir, { ...content(5), trainer: { note: 'again' } }, { keep: 2 });
    const loaded = await loadCheckpoint(runDir);
    expect(loaded.trainer).toEqual({ note: 'again' });
    loaded.dispose();
    expect(await fs.readdir(path.join(runDir, 'checkpoints'))).toEqual([
      'step-000000004',
      'step-000000005',
    ]);
  });

  it('fails clearly on folders that hold no checkpoint', async () => {
    await expect(loadCheckpoint(tmp)).rejects.toThrow(
      /neither a checkpoint folder .* nor a run folder/,
    );
    const empty = path.join(tmp, 'empty-run');
    await fs.mkdir(path.join(empty, 'checkpoints'), { recursive: true });
    await expect(loadCheckpoint(empty)).rejects.toThrow(/no complete checkpoint in/);
    await expect(
      saveCheckpoint(empty, { ...content(1), variables: { s: tf.tensor(['a']) } }),
    ).rejects.toThrow(/dtype string/);
    expect(await fs.readdir(path.join(empty, 'checkpoints'))).toEqual([]);
  });
});

describe('checkpoints on the wasm backend', () => {
  it('saves and loads the same bytes as on cpu', async () => {
    await initBackend('wasm');
    try {
      const model = encoder();
      const x = tf.tensor2d([[1, -2, 3, 0.5, 0]]);
      const expected = values(model.predict(x) as tf.Tensor);
      const runDir = path.join(tmp, 'wasm');
      await saveCheckpoint(runDir, content(3, model));
      const loaded = await loadCheckpoint(runDir);
      expect(values(loaded.variables['online/0'])).toEqual([1, 2, 3, 3]);
      expect(values(loaded.optimizer!.slots['online/0'].m)).toEqual([1, 1, 1, 1]);
      loaded.dispose();
      const again = await loadEncoder(runDir);
      values(again.predict(x) as tf.Tensor).forEach((v, i) =>
        expect(v).toBeCloseTo(expected[i], 6),
      );
      again.dispose();
      model.dispose();
      x.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
