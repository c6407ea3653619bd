import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-utils';
import { availableMethods, findMethod, METHODS } from './registry';

// The papers' values (and their official code's), written out independently of the classes.
const PAPER: Record<
  string,
  { method: Record<string, unknown>; optimizer: Record<string, unknown>; augment: string }
> = {
  simclr: {
    method: { temperature: 0.5, projectionDim: 128 },
    optimizer: { name: 'lars', lr: 0.3, weightDecay: 1e-6 },
    augment: 'simclr',
  },
  mocov2: {
    method: { temperature: 0.2, momentum: 0.999, queueSize: 65536, projectionDim: 128 },
    optimizer: { name: 'sgd', lr: 0.03, weightDecay: 1e-4 },
    augment: 'moco-v2',
  },
  mocov3: { method: { baseMomentum: 0.99 }, optimizer: { name: 'lars' }, augment: 'byol' },
  byol: {
    method: { baseMomentum: 0.996, projectionDim: 256, hiddenDim: 4096 },
    optimizer: { name: 'lars', lr: 0.2, weightDecay: 1.5e-6 },
    augment: 'byol',
  },
  simsiam: {
    method: { projectionDim: 2048, predictorHiddenDim: 512 },
    optimizer: { name: 'sgd', lr: 0.05, weightDecay: 1e-4 },
    augment: 'moco-v2',
  },
  barlowtwins: {
    method: { lambda: 0.0051, projectionDim: 8192 },
    optimizer: { name: 'lars' },
    augment: 'byol',
  },
  vicreg: {
    method: { simCoeff: 25, stdCoeff: 25, covCoeff: 1, expanderDim: 8192 },
    optimizer: { name: 'lars' },
    augment: 'byol',
  },
  dino: {
    method: { studentTemperature: 0.1, centerMomentum: 0.9, baseMomentum: 0.996, outDim: 65536 },
    optimizer: { name: 'adamw', lr: 5e-4, weightDecay: 0.04 },
    augment: 'multi-crop',
  },
};

describe('the method registry', () => {
  it('one entry per method, found by any spelling', () => {
    expect(new Set(METHODS.map((m) => m.name)).size).toBe(METHODS.length);
    expect(findMethod('SimCLR')?.name).toBe('simclr');
    expect(findMethod('moco-v2')?.name).toBe('mocov2');
    expect(findMethod('barlow_twins')?.name).toBe('barlowtwins');
    expect(findMethod('nope')).toBeUndefined();
  });

  for (const entry of availableMethods()) {
    it(`${entry.name}: --print-config shows the paper's hyperparameters, optimizer and augmentation`, async () => {
      const r = await runCli(['pretrain', entry.name, '--print-config']);
      expect(r.code).toBe(0);
      const config = YAML.parse(r.out) as Record<string, Record<string, unknown>>;
      const paper = PAPER[entry.name];
      expect(paper, `no paper values written down for ${entry.name}`).toBeDefined();
      expect(config.method).toMatchObject({ name: entry.name, ...paper.method });
      expect(config.optimizer).toMatchObject(paper.optimizer);
      expect(config.augment.recipe).toBe(paper.augment);
      // Every option the method takes has a resolved value.
      expect(Object.keys(config.method).sort()).toEqual(
        ['name', ...Object.keys(entry.options.shape)].sort(),
      );
    });
  }
});
