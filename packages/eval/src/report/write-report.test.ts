import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluationRow } from '../baselines/evaluate-encoder';
import type { LinearProbeResult } from '../probe/linear-probe';
import type { KnnResult } from '../knn/knn-classify';
import { gaussianClusters } from '../test-utils';
import { sampleReportOptions } from './sample-report';
import { writeReport } from './write-report';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'selfsup-report-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes report.html and report.json holding the same numbers, with a seeded UMAP map', async () => {
    const dir = await tempDir();
    const options = sampleReportOptions(dir);
    const { htmlPath, jsonPath, data } = await writeReport(options, createRng(0));
    const json = JSON.parse(await readFile(jsonPath, 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(data)));
    expect(json.metrics.length).toBe(404); // 400 step rows, 4 epoch rows
    expect(json.results[2].probeTop1).toBe(0.975);
    expect(json.embedding.points.length).toBe(2 * 300);
    expect(json.embedding.labels.length).toBe(300);
    const html = await readFile(htmlPath, 'utf8');
    expect(html).toContain('97.50%');
    expect(html).toContain('SimCLR &lt;test&gt;');
    // Same seed, same map.
    const again = await writeReport({ ...options, outDir: await tempDir() }, createRng(0));
    expect(again.data.embedding?.points).toEqual(data.embedding?.points);
  });

  it('reads metrics from a metrics.jsonl path, converts evaluation rows and subsamples the map', async () => {
    const dir = await tempDir();
    const metricsPath = join(dir, 'metrics.jsonl');
    await writeFile(metricsPath, '{"step":1,"loss":3}\n{"step":2,"loss":2}\n');
    const row: EvaluationRow = {
      name: 'enc',
      dim: 4,
      probe: { top1: 0.5, top5: 1, weightDecay: 1e-5 } as LinearProbeResult,
      knn: { top1: 0.25, top5: 0.75, k: 20 } as KnnResult,
    };
    const set = gaussianClusters(2, 50, 4, 2, createRng(1));
    const { data } = await writeReport(
      {
        outDir: join(dir, 'out'),
        metrics: metricsPath,
        results: [row],
        embeddings: set,
        labels: set.labels,
        umap: { maxPoints: 30, nEpochs: 50 },
      },
      createRng(2),
    );
    expect(data.metrics).toEqual([
      { step: 1, loss: 3 },
      { step: 2, loss: 2 },
    ]);
    expect(data.results).toEqual([
      {
        name: 'enc',
        dim: 4,
        probeTop1: 0.5,
        probeTop5: 1,
        weightDecay: 1e-5,
        knnTop1: 0.25,
        knnTop5: 0.75,
        k: 20,
      },
    ]);
    expect(data.embedding?.labels.length).toBe(30);
  });

  it('needs labels with embeddings', async () => {
    const set = gaussianClusters(2, 5, 4, 2);
    await expect(writeReport({ outDir: await tempDir(), embeddings: set })).rejects.toThrow(
      /need labels/,
    );
  });
});
