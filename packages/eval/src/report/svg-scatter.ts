import { escapeHtml } from './escape-html';
import { colorOf } from './palette';

/** Options of {@link svgScatter}. */
export interface ScatterOptions {
  title: string;
  /** Flat `[x0, y0, x1, y1, ...]` coordinates. */
  points: ArrayLike<number>;
  /** Class of each point (colours the point). */
  labels: ArrayLike<number>;
  /** Legend text of each class. Default `class <i>`. */
  classNames?: string[];
  width?: number;
  height?: number;
  /** Value of the `data-chart` attribute. */
  id?: string;
}

const f = (v: number) => (Math.round(v * 10) / 10).toString();

/**
 * A self-contained SVG scatter plot of 2-D points coloured by class, with a legend, for a UMAP
 * map of embeddings. Both axes share one scale (distances are not distorted); no ticks are drawn,
 * since UMAP coordinates have no units.
 *
 * @example
 * ```ts
 * const svg = svgScatter({ title: 'UMAP', points: [0, 0, 1, 1], labels: [0, 1] });
 * ```
 */
export function svgScatter(options: ScatterOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 480;
  const n = options.labels.length;
  if (options.points.length !== 2 * n) {
    throw new Error(
      `svgScatter: expected ${2 * n} coordinates for ${n} labels, got ${options.points.length}`,
    );
  }
  const legendW = 110;
  const margin = { left: 12, right: 12 + legendW, top: 34, bottom: 12 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, options.points[2 * i]);
    x1 = Math.max(x1, options.points[2 * i]);
    y0 = Math.min(y0, options.points[2 * i + 1]);
    y1 = Math.max(y1, options.points[2 * i + 1]);
  }
  // One scale for both axes, so distances in the map are not distorted; the data is centred.
  const scale = Math.min((plotW - 12) / (x1 - x0 || 1), (plotH - 12) / (y1 - y0 || 1));
  const cx = margin.left + plotW / 2;
  const cy = margin.top + plotH / 2;
  const sx = (x: number) => cx + (x - (x0 + x1) / 2) * scale;
  const sy = (y: number) => cy - (y - (y0 + y1) / 2) * scale;
  const id = options.id ? ` data-chart="${escapeHtml(options.id)}"` : '';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart scatter-chart"${id} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${(margin.left + plotW) / 2}" y="20" text-anchor="middle" class="chart-title">${escapeHtml(options.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" class="frame"/>`,
  ];
  const classes = [...new Set(Array.from(options.labels))].sort((a, b) => a - b);
  for (let i = 0; i < n; i++) {
    const c = options.labels[i];
    parts.push(
      `<circle class="point" cx="${f(sx(options.points[2 * i]))}" cy="${f(sy(options.points[2 * i + 1]))}" r="2.4" fill="${colorOf(c)}" fill-opacity="0.75" data-label="${c}"/>`,
    );
  }
  classes.forEach((c, i) => {
    const y = margin.top + 10 + i * 16;
    const x = width - legendW + 4;
    const name = options.classNames?.[c] ?? `class ${c}`;
    parts.push(
      `<circle cx="${x + 5}" cy="${y}" r="4.5" fill="${colorOf(c)}"/>`,
      `<text x="${x + 14}" y="${y}" dy="0.32em" class="legend">${escapeHtml(name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
