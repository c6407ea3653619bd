import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';

// Its own file: the wasm module adds its listeners only when it first initializes in a process.
describe('initBackend(wasm) and process listeners', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it("leaves no Emscripten 'uncaughtException' / 'unhandledRejection' listener behind", async () => {
    const before = [
      process.listenerCount('uncaughtException'),
      process.listenerCount('unhandledRejection'),
    ];
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect([
      process.listenerCount('uncaughtException'),
      process.listenerCount('unhandledRejection'),
    ]).toEqual(before);
  });
});
