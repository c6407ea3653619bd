import { escapeHtml } from './escape-html';
import { niceTicks } from './nice-ticks';
import { colorOf } from './palette';

/** One curve of a line chart: `[x, y]` points, in x order. */
export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options of {@link svgLineChart}. */
export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel?: string;
  yLabel?: string;
  /** Multiply y values for display (e.g. 100 for percentages). Default 1. */
  yScale?: number;
  width?: number;
  height?: number;
  /** Value of the `data-chart` attribute (identifies the chart in the DOM). */
  id?: string;
  /** Longest series drawn in full; longer ones are thinned evenly. Default 2000. */
  maxPoints?: number;
}

const f = (v: number) => (Math.round(v * 100) / 100).toString();

/**
 * A self-contained SVG line chart (axes, round ticks, grid, legend, markers for short series),
 * as a string to inline in HTML: no script, no external resource.
 *
 * @example
 * ```ts
 * const svg = svgLineChart({
 *   title: 'Training loss',
 *   series: [{ name: 'loss', points: [[1, 2.3], [2, 1.9], [3, 1.7]] }],
 *   xLabel: 'step',
 * });
 * ```
 */
export function svgLineChart(options: LineChartOptions): string {
  const width = options.width ?? 540;
  const height = options.height ?? 300;
  const yScale = options.yScale ?? 1;
  const maxPoints = options.maxPoints ?? 2000;
  const margin = { left: 64, right: 16, top: 34, bottom: 46 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const series = options.series.map((s) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const stride = Math.max(1, Math.ceil(pts.length / maxPoints));
    const thinned = pts.filter((_, i) => i % stride === 0 || i === pts.length - 1);
    return { name: s.name, points: thinned.map(([x, y]) => [x, y * yScale] as const) };
  });
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xt = niceTicks(Math.min(...xs), Math.max(...xs), 6);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const sx = (x: number) => margin.left + ((x - xt.min) / (xt.max - xt.min)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yt.min) / (yt.max - yt.min)) * plotH;

  const parts: string[] = [];
  const id = options.id ? ` data-chart="${escapeHtml(options.id)}"` : '';
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart"${id} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" class="chart-title">${escapeHtml(options.title)}</text>`,
  );
  for (const v of yt.values) {
    const y = f(sy(v));
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" class="grid"/>`,
      `<text x="${margin.left - 6}" y="${y}" dy="0.32em" text-anchor="end" class="tick">${yt.format(v)}</text>`,
    );
  }
  for (const v of xt.values) {
    const x = f(sx(v));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}" class="axis"/>`,
      `<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle" class="tick">${xt.format(v)}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" class="axis"/>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" class="axis"/>`,
  );
  if (options.xLabel) {
    parts.push(
      `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle" class="axis-label">${escapeHtml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(options.yLabel)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = colorOf(i);
    const d = s.points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ');
    parts.push(
      `<polyline class="series" data-series="${escapeHtml(s.name)}" fill="none" stroke="${color}" stroke-width="1.8" points="${d}"/>`,
    );
    if (s.points.length <= 60) {
      for (const [x, y] of s.points)
        parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${color}"/>`);
    }
  });
  if (series.length > 1 || (series.length === 1 && series[0].name !== options.title)) {
    series.forEach((s, i) => {
      const y = margin.top + 8 + i * 15;
      const x = margin.left + plotW - 150;
      parts.push(
        `<rect x="${x}" y="${y - 5}" width="12" height="3" fill="${colorOf(i)}"/>`,
        `<text x="${x + 16}" y="${y}" dy="0.1em" class="legend">${escapeHtml(s.name)}</text>`,
      );
    });
  }
  if (all.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="empty">no data</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
