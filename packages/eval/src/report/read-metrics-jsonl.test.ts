import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetricsJsonl } from './read-metrics-jsonl';

describe('readMetricsJsonl', () => {
  it('reads one object per line and names the file and line of a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'selfsup-eval-'));
    try {
      const good = join(dir, 'metrics.jsonl');
      await writeFile(good, '{"step":1,"loss":2.5}\n\n{"step":2,"loss":2.1,"lr":0.1}\n');
      expect(await readMetricsJsonl(good)).toEqual([
        { step: 1, loss: 2.5 },
        { step: 2, loss: 2.1, lr: 0.1 },
      ]);
      const bad = join(dir, 'bad.jsonl');
      await writeFile(bad, '{"step":1}\n{"step":\n');
      await expect(readMetricsJsonl(bad)).rejects.toThrow(`${bad}:2 is not valid JSON`);
      await writeFile(bad, '[1, 2]\n');
      await expect(readMetricsJsonl(bad)).rejects.toThrow(/:1 must be a JSON object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
