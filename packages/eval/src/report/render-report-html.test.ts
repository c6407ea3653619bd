import { describe, expect, it } from 'vitest';
import { renderReportHtml } from './render-report-html';

describe('renderReportHtml', () => {
  const html = renderReportHtml({
    title: 'Run <1>',
    subtitle: 'MNIST',
    metrics: [
      { step: 1, loss: 2, lr: 0.1, note: 'text is kept out of plots' },
      { step: 2, loss: 1.5, lr: 0.2, knn_top1: 0.5, grad_norm: 3 },
      { step: 3, loss: 1, lr: 0.1, knn_top1: 0.75, grad_norm: 2 },
    ],
    results: [
      {
        name: 'raw input',
        dim: 784,
        probeTop1: 0.9123,
        probeTop5: 0.99,
        weightDecay: 1e-4,
        knnTop1: 0.95,
        k: 20,
      },
      { name: 'random-init encoder', probeTop1: 0.8 },
    ],
    embedding: { points: [0, 0, 1, 1, 2, 0], labels: [0, 1, 1], method: 'UMAP' },
    diagnostics: { effective_rank: 12.5 },
  });

  it('is one self-contained page: inline CSS, no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
    const urls = html.match(/https?:\/\/[^"'\s)]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('has the loss, lr, kNN, results and embedding charts, and one chart per other scalar', () => {
    const charts = [...html.matchAll(/<svg[^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(['loss', 'lr', 'knn', 'metric-grad_norm', 'results', 'embedding']);
    // kNN fractions are shown in percent: the last point is at 75.
    expect(html).toMatch(/kNN accuracy/);
    expect(html).toContain('accuracy (%)');
  });

  it('fills the results and diagnostics tables and escapes text', () => {
    expect(html).toContain('<title>Run &lt;1&gt;</title>');
    expect(html).toContain(
      '<td>raw input</td><td>784</td><td>91.23%</td><td>99.00%</td><td>1.00e-4</td><td>95.00%</td><td></td><td>20</td>',
    );
    expect(html).toContain('<td>effective_rank</td><td>12.5</td>');
    expect(html.match(/<circle class="point"/g)?.length).toBe(3);
  });

  it("draws per-step keys from step rows only, not from the epoch summaries of core's metrics.jsonl", () => {
    const page = renderReportHtml({
      title: 't',
      metrics: [
        { type: 'step', step: 1, loss: 4 },
        { type: 'step', step: 2, loss: 2 },
        { type: 'epoch', step: 2, epoch: 0, loss: 3, samples: 64, skipped: 0, knnTop1: 0.5 },
      ],
      results: [],
    });
    const charts = [...page.matchAll(/<svg[^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(['loss', 'knn']); // no charts for epoch, samples, skipped
    const loss = /data-chart="loss"[\s\S]*?<polyline[^>]*points="([^"]+)"/.exec(page)?.[1];
    expect(loss?.split(' ').length).toBe(2);
    // A key logged only at epoch ends is still drawn.
    expect(/data-chart="knn"[\s\S]*?<circle/.test(page)).toBe(true);
  });

  it('says so when sections are empty', () => {
    const empty = renderReportHtml({ title: 't', metrics: [], results: [] });
    expect(empty).toContain('No training metrics were given.');
    expect(empty).toContain('No evaluation results were given.');
    expect(empty).not.toContain('<svg');
  });
});
