import { describe, expect, it } from 'vitest';
import { colorOf } from './palette';
import { svgScatter } from './svg-scatter';

describe('svgScatter', () => {
  it('draws one circle per point coloured by label, with a legend per class', () => {
    const svg = svgScatter({
      id: 'embedding',
      title: 'map',
      points: [0, 0, 1, 1, 0.5, 0.25],
      labels: [2, 0, 2],
      classNames: ['zero', 'one', 'two'],
    });
    const points = [
      ...svg.matchAll(/<circle class="point"[^>]*fill="([^"]+)"[^>]*data-label="(\d+)"/g),
    ];
    expect(points.map((m) => [m[1], m[2]])).toEqual([
      [colorOf(2), '2'],
      [colorOf(0), '0'],
      [colorOf(2), '2'],
    ]);
    expect(svg).toContain('>zero<');
    expect(svg).toContain('>two<');
    expect(svg).not.toContain('>one<');
  });

  it('rejects mismatched coordinates', () => {
    expect(() => svgScatter({ title: 't', points: [0, 0, 1], labels: [0, 1] })).toThrow(
      /expected 4 coordinates/,
    );
  });
});
