import { escapeHtml } from './escape-html';
import { niceTicks } from './nice-ticks';
import { colorOf } from './palette';

/** Options of {@link svgBarChart}. */
export interface BarChartOptions {
  title: string;
  /** Group labels (one cluster of bars each), e.g. encoder names. */
  groups: string[];
  /** Bar series: `values[g]` is the bar of group `g` (NaN or undefined: no bar). */
  series: { name: string; values: (number | undefined)[] }[];
  /** Multiply values for display (e.g. 100 for percentages). Default 1. */
  scale?: number;
  /** Axis maximum before scaling (e.g. 1 for accuracies). Default: from the data. */
  max?: number;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Value of the `data-chart` attribute. */
  id?: string;
}

const f = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * A self-contained SVG grouped bar chart with value labels, for results beside their baselines
 * (one group per encoder, one bar per metric).
 *
 * @example
 * ```ts
 * const svg = svgBarChart({
 *   title: 'Top-1 accuracy',
 *   groups: ['raw input', 'random init', 'SimCLR'],
 *   series: [{ name: 'linear probe', values: [0.92, 0.9, 0.97] }],
 *   scale: 100,
 *   max: 1,
 * });
 * ```
 */
export function svgBarChart(options: BarChartOptions): string {
  const width = options.width ?? 540;
  const height = options.height ?? 300;
  const scale = options.scale ?? 1;
  const margin = { left: 56, right: 16, top: 34, bottom: 58 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const finite = options.series
    .flatMap((s) => s.values)
    .filter((v): v is number => Number.isFinite(v));
  const top = (options.max ?? Math.max(0, ...finite)) * scale;
  const ticks = niceTicks(0, top || 1, 5);
  const sy = (v: number) => margin.top + plotH - (v / ticks.max) * plotH;
  const groupW = plotW / Math.max(1, options.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, options.series.length);
  const id = options.id ? ` data-chart="${escapeHtml(options.id)}"` : '';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart"${id} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" class="chart-title">${escapeHtml(options.title)}</text>`,
  ];
  for (const v of ticks.values) {
    const y = f(sy(v));
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${margin.left - 6}" y="${y}" dy="0.32em" text-anchor="end" class="tick">${ticks.format(v)}</text>`,
    );
  }
  options.groups.forEach((g, gi) => {
    const gx = margin.left + gi * groupW + groupW * 0.1;
    options.series.forEach((s, si) => {
      const raw = s.values[gi];
      if (raw === undefined || !Number.isFinite(raw)) return;
      const v = raw * scale;
      const x = gx + si * barW;
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(s.name)}" data-group="${escapeHtml(g)}" x="${f(x)}" y="${f(sy(v))}" width="${f(barW * 0.92)}" height="${f(sy(0) - sy(v))}" fill="${colorOf(si)}"/>`,
        `<text x="${f(x + barW * 0.46)}" y="${f(sy(v) - 3)}" text-anchor="middle" class="bar-value">${v.toFixed(1)}</text>`,
      );
    });
    parts.push(
      `<text x="${f(margin.left + (gi + 0.5) * groupW)}" y="${margin.top + plotH + 16}" text-anchor="middle" class="tick">${escapeHtml(g)}</text>`,
    );
  });
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" class="axis"/>`,
  );
  if (options.yLabel) {
    parts.push(
      `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(options.yLabel)}</text>`,
    );
  }
  options.series.forEach((s, si) => {
    const x = margin.left + si * 150;
    const y = height - 12;
    parts.push(
      `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${colorOf(si)}"/>`,
      `<text x="${x + 14}" y="${y}" class="legend">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
