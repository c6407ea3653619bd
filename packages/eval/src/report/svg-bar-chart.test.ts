import { describe, expect, it } from 'vitest';
import { svgBarChart } from './svg-bar-chart';

describe('svgBarChart', () => {
  it('draws a bar per defined value with heights proportional to it', () => {
    const svg = svgBarChart({
      id: 'results',
      title: 'Top-1',
      groups: ['raw', 'random', 'trained'],
      series: [
        { name: 'probe', values: [0.5, 0.25, 1] },
        { name: 'kNN', values: [0.75, undefined, NaN] },
      ],
      scale: 100,
      max: 1,
    });
    const bars = [
      ...svg.matchAll(
        /<rect class="bar" data-series="([^"]+)" data-group="([^"]+)"[^>]*height="([\d.]+)"/g,
      ),
    ];
    expect(bars.map((b) => `${b[1]}/${b[2]}`)).toEqual([
      'probe/raw',
      'kNN/raw',
      'probe/random',
      'probe/trained',
    ]);
    const h = bars.map((b) => Number(b[3]));
    expect(h[0] / h[3]).toBeCloseTo(0.5, 2);
    expect(h[1] / h[3]).toBeCloseTo(0.75, 2);
    expect(svg).toContain('>75.0<');
  });
});
