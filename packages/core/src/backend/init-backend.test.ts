import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WASM_THREADS, initBackend, type BackendPreference } from './init-backend';

describe('initBackend', () => {
  const savedEnv = process.env.SELFSUP_BACKEND;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.SELFSUP_BACKEND;
    else process.env.SELFSUP_BACKEND = savedEnv;
  });
  afterAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  it("'auto' picks wasm here and says that tfjs-node(-gpu) are not installed", async () => {
    delete process.env.SELFSUP_BACKEND;
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(info.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(info.reason).toMatch(/training kernels registered/);
    // The default: the machine's cores, at most 4 (unless SELFSUP_WASM_THREADS says otherwise).
    expect(info.threads).toBe(
      process.env.SELFSUP_WASM_THREADS
        ? Number(process.env.SELFSUP_WASM_THREADS)
        : DEFAULT_WASM_THREADS,
    );
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // Same preference while wasm is active: the cached answer.
    expect(await initBackend('auto')).toEqual(info);
  });

  it("forcing 'tensorflow' without tfjs-node throws how to install it", async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(
      /no native TensorFlow backend could be loaded: @tensorflow\/tfjs-node-gpu is not installed; @tensorflow\/tfjs-node is not installed\. To use it, install it with `npm install @tensorflow\/tfjs-node@4\.22\.0`/,
    );
  });

  it("'cpu' and 'wasm' force those backends, and switching back re-activates", async () => {
    const cpu = await initBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu' });
    expect(cpu.reason).toMatch(/as requested/);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync()))).toEqual([2, 3]);
    const wasm = await initBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(wasm.reason).toMatch(/as requested/);
    expect(tf.getBackend()).toBe('wasm');
    await tf.setBackend('cpu');
    // Cached preference but another backend active: selects again.
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reads SELFSUP_BACKEND when no preference is given, case-insensitively', async () => {
    process.env.SELFSUP_BACKEND = 'CPU';
    expect((await initBackend()).name).toBe('cpu');
    process.env.SELFSUP_BACKEND = 'wasm';
    expect((await initBackend()).name).toBe('wasm');
    process.env.SELFSUP_BACKEND = 'cpu';
    expect((await initBackend('wasm')).name).toBe('wasm'); // an explicit argument wins
  });

  it('rejects unknown preferences, from the argument or the environment', async () => {
    await expect(initBackend('gpu' as BackendPreference)).rejects.toThrow(
      "initBackend: expected one of auto, tensorflow, wasm, cpu, got 'gpu'",
    );
    process.env.SELFSUP_BACKEND = 'webgl';
    await expect(initBackend()).rejects.toThrow(
      /SELFSUP_BACKEND must be one of auto, tensorflow, wasm, cpu, got 'webgl'/,
    );
  });

  it('sets the PROD flag (silencing the tfjs-node banner) unless quiet is false', async () => {
    tf.env().set('PROD', false);
    await initBackend('cpu', { quiet: false });
    expect(tf.env().getBool('PROD')).toBe(false);
    await initBackend('cpu');
    expect(tf.env().getBool('PROD')).toBe(true);
  });
});
