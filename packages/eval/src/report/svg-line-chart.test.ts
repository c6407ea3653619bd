import { describe, expect, it } from 'vitest';
import { svgLineChart } from './svg-line-chart';

describe('svgLineChart', () => {
  it('draws one polyline per series, mapping the data range onto the plot area', () => {
    const svg = svgLineChart({
      id: 'loss',
      title: 'Loss <train>',
      series: [
        {
          name: 'a',
          points: [
            [0, 0],
            [10, 1],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 1],
            [5, NaN],
            [10, 0],
          ],
        },
      ],
      width: 400,
      height: 200,
    });
    expect(
      svg.startsWith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" data-chart="loss"',
      ),
    ).toBe(true);
    expect(svg).toContain('Loss &lt;train&gt;');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]);
    expect(lines.length).toBe(2);
    // Plot area: x from 64 to 384, y from 34 (top) to 154 (bottom); NaN points are dropped.
    expect(lines[0]).toBe('64,154 384,34');
    expect(lines[1]).toBe('64,34 384,154');
    expect(svg.match(/<circle/g)?.length).toBe(4);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('thins long series, scales y and handles no data', () => {
    const points = Array.from({ length: 10000 }, (_, i) => [i, 0.5] as [number, number]);
    const svg = svgLineChart({
      title: 't',
      series: [{ name: 't', points }],
      maxPoints: 100,
      yScale: 100,
    });
    const pts = /points="([^"]+)"/.exec(svg)?.[1].split(' ') ?? [];
    expect(pts.length).toBeLessThanOrEqual(101);
    expect(svg).toContain('>50<'); // the y tick at 50 (= 0.5 x 100)
    expect(svgLineChart({ title: 'empty', series: [] })).toContain('no data');
  });
});
