import * as path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, tinyConfig, writeConfig } from '../test-utils';

describe('bad usage and bad configs exit with code 2 and a message that names the problem', () => {
  const dir = tempDir();

  it('a wrong type names the key, the expected and the received type, and the file', async () => {
    const file = writeConfig(dir, tinyConfig({ optimizer: { lr: 'fast' } }), 'wrong-type.yaml');
    const r = await runCli(['pretrain', 'simclr', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`invalid config file ${file}`);
    expect(r.err).toContain('config.optimizer.lr: expected number, received string ("fast")');
    expect(r.err).toContain('hint:');
  });

  it('an unknown key is named with its path (JSON file)', async () => {
    const file = writeConfig(dir, tinyConfig({ train: { stpes: 5 } }), 'unknown-key.json');
    const r = await runCli(['pretrain', 'simclr', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('config.train.stpes: unknown key (did you mean "steps"?)');
  });

  it("a method's own hyperparameters are checked by its schema", async () => {
    const file = writeConfig(
      dir,
      { method: { name: 'simclr', temperature: 'hot', tau: 1 } },
      'method-options.yaml',
    );
    const r = await runCli(['pretrain', 'simclr', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('config.method.temperature: expected number, received string ("hot")');
    expect(r.err).toContain(
      'config.method.tau: unknown key (expected one of: temperature, projectionDim)',
    );
  });

  it('out-of-range values and bad enums say what is allowed', async () => {
    const file = writeConfig(
      dir,
      { train: { batchSize: 1 }, optimizer: { name: 'adam' }, data: { source: 'cifar' } },
      'ranges.yaml',
    );
    const r = await runCli(['pretrain', 'simclr', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('config.train.batchSize: expected a number >= 2, received 1');
    expect(r.err).toContain(
      'config.optimizer.name: expected one of "lars", "sgd", "adamw", received "adam"',
    );
    expect(r.err).toContain(
      "config.data.source: expected 'mnist', 'fashion-mnist' or 'folder:<path>', received \"cifar\"",
    );
  });

  it('an unknown method lists the available ones', async () => {
    const r = await runCli(['pretrain', 'simclrr']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: unknown method "simclrr"');
    expect(r.err).toMatch(/hint: available methods: simclr/);
  });

  it('a missing config file says so', async () => {
    const r = await runCli(['pretrain', 'simclr', '--config', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`config file ${path.join(dir, 'nope.yaml')} not found`);
  });

  it('a YAML syntax error gives the line', async () => {
    const file = path.join(dir, 'syntax.yaml');
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'train:\n  steps: [1, 2\n'));
    const r = await runCli(['pretrain', 'simclr', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not valid YAML: .*line/);
  });

  it('bad flags, unknown options and unknown commands', async () => {
    expect((await runCli(['pretrain', 'simclr', '--steps', 'ten'])).err).toContain(
      '--steps: expected an integer >= 1, received "ten"',
    );
    const unknown = await runCli(['pretrain', 'simclr', '--stpes', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('selfsup pretrain: unknown option --stpes');
    const cmd = await runCli(['pretrian']);
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain('unknown command "pretrian"');
    const resume = await runCli(['pretrain', '--resume', path.join(dir, 'no-such-run')]);
    expect(resume.code).toBe(2);
    expect(resume.err).toContain('not found');
    const ev = await runCli(['eval', 'knn']);
    expect(ev.code).toBe(2);
    expect(ev.err).toContain('--run <run-dir> is required');
  });

  it('--help works for every command', async () => {
    for (const cmd of [[], ['pretrain'], ['eval'], ['export'], ['report'], ['demo']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.out).toMatch(/Usage: selfsup/);
    }
  });

  it("--print-config shows the paper's defaults, and the printed YAML is a valid config that resolves to itself", async () => {
    const r = await runCli(['pretrain', 'simclr', '--print-config', '--steps', '100']);
    expect(r.code).toBe(0);
    const printed = YAML.parse(r.out) as Record<string, Record<string, unknown>>;
    // SimCLR (Chen et al. 2020): temperature 0.5 (CIFAR), LARS 0.3 x batch/256, weight decay 1e-6, 10 warm-up epochs.
    expect(printed.method).toEqual({ name: 'simclr', temperature: 0.5, projectionDim: 128 });
    expect(printed.optimizer).toMatchObject({
      name: 'lars',
      lr: 0.3,
      lrScaling: 'linear',
      weightDecay: 1e-6,
      momentum: 0.9,
      warmupEpochs: 10,
    });
    expect(printed.train).toMatchObject({ steps: 100, epochs: null });
    expect(printed.encoder).toEqual({ name: 'smallConvNet', widths: [32, 64, 128, 256] });
    const file = path.join(dir, 'printed.yaml');
    await import('node:fs').then((fs) => fs.writeFileSync(file, r.out));
    const again = await runCli(['pretrain', 'simclr', '--config', file, '--print-config']);
    expect(again.code).toBe(0);
    expect(YAML.parse(again.out)).toEqual(printed);
  });
});
