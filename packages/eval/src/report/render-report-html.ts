import { escapeHtml } from './escape-html';
import type { MetricRow, ReportData } from './report-data';
import { svgBarChart } from './svg-bar-chart';
import { svgLineChart, type LineSeries } from './svg-line-chart';
import { svgScatter } from './svg-scatter';

const STEP_KEYS = ['step', 'global_step', 'iteration'];
// Bookkeeping columns of core's metrics.jsonl that make no useful curve.
const SKIPPED_KEYS = new Set([
  ...STEP_KEYS,
  'epoch',
  'time',
  'timestamp',
  'elapsed',
  'wall_time',
  'samples',
  'skipped',
]);
const isLoss = (k: string) => /loss/i.test(k);
const isLr = (k: string) => /^(lr|learning_?rate)$|(^|[_/.])lr([_/.]|$)|learning_?rate/i.test(k);
const isKnn = (k: string) => /knn/i.test(k);

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #222; margin: 24px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.subtitle { color: #666; margin: 0 0 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
svg.chart { border: 1px solid #e3e3e3; border-radius: 4px; background: #fff; }
svg .chart-title { font-size: 14px; font-weight: 600; fill: #222; }
svg .tick, svg .legend, svg .bar-value { font-size: 11px; fill: #444; }
svg .axis-label { font-size: 12px; fill: #444; }
svg .grid { stroke: #ececec; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .frame { stroke: #ddd; }
svg .empty { font-size: 13px; fill: #999; }
table { border-collapse: collapse; margin: 6px 0 14px; }
th, td { padding: 5px 12px; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f6f6; font-weight: 600; }
.note { color: #666; font-size: 12px; }
`;

const pct = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '' : `${(100 * v).toFixed(2)}%`;
const num = (v: number | undefined) => {
  if (v === undefined || !Number.isFinite(v)) return '';
  if (v === 0) return '0';
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2
    ? v.toExponential(2)
    : v.toFixed(4).replace(/\.?0+$/, '');
};

function stepOf(row: MetricRow, index: number): number {
  for (const k of STEP_KEYS) {
    const v = row[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return index + 1;
}

const isEpochRow = (row: MetricRow) => row.type === 'epoch';

/**
 * The `[step, value]` points of one key. core's metrics.jsonl interleaves per-step rows and
 * per-epoch summaries (`type: 'epoch'`); a key logged per step is drawn from the step rows only,
 * so epoch means do not zig-zag through the curve.
 */
function seriesOf(metrics: MetricRow[], key: string): LineSeries {
  const has = (row: MetricRow) => typeof row[key] === 'number' && Number.isFinite(row[key]);
  const perStep = metrics.some((row) => !isEpochRow(row) && has(row));
  const points: [number, number][] = [];
  metrics.forEach((row, i) => {
    if (has(row) && (!perStep || !isEpochRow(row)))
      points.push([stepOf(row, i), row[key] as number]);
  });
  return { name: key, points };
}

/** Metric charts: loss, learning rate, kNN accuracy, then one chart per other scalar. */
function metricCharts(metrics: MetricRow[]): string[] {
  const keys: string[] = [];
  for (const row of metrics) {
    for (const [k, v] of Object.entries(row)) {
      if (!SKIPPED_KEYS.has(k) && typeof v === 'number' && !keys.includes(k)) keys.push(k);
    }
  }
  const charts: string[] = [];
  const lossKeys = keys.filter(isLoss);
  const lrKeys = keys.filter((k) => !isLoss(k) && isLr(k));
  const knnKeys = keys.filter((k) => !isLoss(k) && !isLr(k) && isKnn(k));
  const others = keys.filter(
    (k) => !lossKeys.includes(k) && !lrKeys.includes(k) && !knnKeys.includes(k),
  );
  if (lossKeys.length) {
    charts.push(
      svgLineChart({
        id: 'loss',
        title: 'Training loss',
        series: lossKeys.map((k) => seriesOf(metrics, k)),
        xLabel: 'step',
        yLabel: 'loss',
      }),
    );
  }
  if (lrKeys.length) {
    charts.push(
      svgLineChart({
        id: 'lr',
        title: 'Learning rate',
        series: lrKeys.map((k) => seriesOf(metrics, k)),
        xLabel: 'step',
        yLabel: 'learning rate',
      }),
    );
  }
  if (knnKeys.length) {
    const series = knnKeys.map((k) => seriesOf(metrics, k));
    // Accuracies logged as fractions are shown in percent.
    const fractions = series.every((s) => s.points.every(([, y]) => y >= 0 && y <= 1));
    charts.push(
      svgLineChart({
        id: 'knn',
        title: 'kNN accuracy (held-out)',
        series,
        xLabel: 'step',
        yLabel: fractions ? 'accuracy (%)' : 'accuracy',
        yScale: fractions ? 100 : 1,
      }),
    );
  }
  for (const k of others) {
    charts.push(
      svgLineChart({ id: `metric-${k}`, title: k, series: [seriesOf(metrics, k)], xLabel: 'step' }),
    );
  }
  return charts;
}

/**
 * Renders a report as one self-contained HTML page: inline CSS and inline SVG plots drawn here
 * (no script, no external resource, so it opens anywhere and archives as one file). Sections:
 * training curves from `metrics` (loss, learning rate, kNN accuracy over steps, other scalars),
 * the results table with a bar chart (linear probe and kNN, the trained encoder beside its
 * baselines), diagnostics, and a 2-D map of the embeddings coloured by label. Every chart is an
 * `svg.chart` with a `data-chart` attribute (`loss`, `lr`, `knn`, `results`, `embedding`, ...).
 *
 * @example
 * ```ts
 * import { renderReportHtml } from '@selfsup/eval';
 * const html = renderReportHtml({
 *   title: 'SimCLR on MNIST',
 *   metrics: [{ step: 1, loss: 4.1, lr: 1e-3 }, { step: 2, loss: 3.7, lr: 1e-3 }],
 *   results: [{ name: 'raw input', probeTop1: 0.92, knnTop1: 0.95 }],
 * });
 * ```
 */
export function renderReportHtml(data: ReportData): string {
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(data.title)}</h1>`,
  ];
  if (data.subtitle) out.push(`<p class="subtitle">${escapeHtml(data.subtitle)}</p>`);

  out.push('<section id="training">', '<h2>Training</h2>');
  const charts = metricCharts(data.metrics);
  if (charts.length) out.push('<div class="charts">', ...charts, '</div>');
  else out.push('<p class="note">No training metrics were given.</p>');
  out.push('</section>');

  out.push('<section id="results">', '<h2>Evaluation</h2>');
  if (data.results.length) {
    out.push(
      '<table class="results">',
      '<thead><tr><th>encoder</th><th>dim</th><th>linear probe top-1</th><th>top-5</th><th>weight decay</th><th>kNN top-1</th><th>top-5</th><th>k</th></tr></thead>',
      '<tbody>',
      ...data.results.map(
        (r) =>
          `<tr><td>${escapeHtml(r.name)}</td><td>${r.dim ?? ''}</td><td>${pct(r.probeTop1)}</td><td>${pct(r.probeTop5)}</td>` +
          `<td>${num(r.weightDecay)}</td><td>${pct(r.knnTop1)}</td><td>${pct(r.knnTop5)}</td><td>${r.k ?? ''}</td></tr>`,
      ),
      '</tbody>',
      '</table>',
      '<div class="charts">',
      svgBarChart({
        id: 'results',
        title: 'Top-1 accuracy',
        groups: data.results.map((r) => r.name),
        series: [
          { name: 'linear probe', values: data.results.map((r) => r.probeTop1) },
          { name: 'kNN', values: data.results.map((r) => r.knnTop1) },
        ],
        scale: 100,
        max: 1,
        yLabel: 'top-1 (%)',
        width: Math.max(540, 170 * data.results.length),
      }),
      '</div>',
      '<p class="note">Linear probe: multinomial logistic regression on frozen, standardized features (L-BFGS to convergence, weight decay chosen on a held-out part of the training split). kNN: cosine similarity, votes weighted by exp(sim / T).</p>',
    );
  } else {
    out.push('<p class="note">No evaluation results were given.</p>');
  }
  out.push('</section>');

  const diagnostics = Object.entries(data.diagnostics ?? {});
  if (diagnostics.length) {
    out.push(
      '<section id="diagnostics">',
      '<h2>Diagnostics</h2>',
      '<table class="diagnostics"><tbody>',
      ...diagnostics.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${num(v)}</td></tr>`),
      '</tbody></table>',
      '</section>',
    );
  }

  if (data.embedding) {
    const e = data.embedding;
    out.push(
      '<section id="embedding">',
      '<h2>Embeddings</h2>',
      '<div class="charts">',
      svgScatter({
        id: 'embedding',
        title: `Embeddings by label: ${e.method}`,
        points: e.points,
        labels: e.labels,
        classNames: e.classNames,
        width: 720,
        height: 560,
      }),
      '</div>',
      `<p class="note">${e.labels.length} points.</p>`,
      '</section>',
    );
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}
