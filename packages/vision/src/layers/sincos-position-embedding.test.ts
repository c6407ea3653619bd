import { describe, expect, it } from 'vitest';
import { sincosPositionEmbedding2d } from './sincos-position-embedding';
import { expectClose } from './test-helpers';

// A line-by-line port of facebookresearch/mae util/pos_embed.py (numpy), float64:
//   grid = np.meshgrid(grid_w, grid_h); grid = np.stack(grid, 0).reshape([2, 1, gs, gs])
//   emb_h = 1d(D // 2, grid[0]); emb_w = 1d(D // 2, grid[1]); emb = concat([emb_h, emb_w], 1)
//   1d: omega = arange(D/2) / (D/2); omega = 1 / 10000**omega; out = outer(pos, omega)
//       emb = concat([sin(out), cos(out)], 1)
function maeGet1d(embedDim: number, pos: number[]): number[][] {
  const omega = Array.from({ length: embedDim / 2 }, (_, i) => i / (embedDim / 2)).map(
    (o) => 1 / 10000 ** o,
  );
  return pos.map((p) => {
    const out = omega.map((o) => p * o);
    return [...out.map(Math.sin), ...out.map(Math.cos)];
  });
}

function maeGet2d(embedDim: number, gridSize: number, clsToken: boolean): number[][] {
  const gridH = Array.from({ length: gridSize }, (_, i) => i);
  const gridW = Array.from({ length: gridSize }, (_, i) => i);
  // np.meshgrid(grid_w, grid_h) (indexing 'xy'): both outputs [len(grid_h), len(grid_w)];
  // the first varies along columns (w values), the second along rows (h values).
  const mesh0 = gridH.map(() => gridW.map((w) => w));
  const mesh1 = gridH.map((h) => gridW.map(() => h));
  const flat0 = mesh0.flat(); // grid[0].reshape(-1)
  const flat1 = mesh1.flat();
  const embH = maeGet1d(embedDim / 2, flat0);
  const embW = maeGet1d(embedDim / 2, flat1);
  const emb = embH.map((row, i) => [...row, ...embW[i]]);
  return clsToken ? [new Array<number>(embedDim).fill(0), ...emb] : emb;
}

describe('sincosPositionEmbedding2d', () => {
  it('matches MAE get_2d_sincos_pos_embed on a whole small table', () => {
    const ours = sincosPositionEmbedding2d(16, 4, 4, { classToken: true });
    expectClose(ours, maeGet2d(16, 4, true).flat(), 1e-6, 1e-6);
  });

  it('matches MAE for ViT-Tiny/16 at 224 px (14 x 14, D = 192) at a few positions', () => {
    const d = 192;
    const ours = sincosPositionEmbedding2d(d, 14, 14, { classToken: true });
    const mae = maeGet2d(d, 14, true);
    expect(ours.length).toBe(197 * d);
    for (const n of [0, 1, 2, 14, 15, 100, 196]) {
      expectClose(ours.subarray(n * d, (n + 1) * d), mae[n], 1e-6, 1e-6);
    }
  });

  it('has the hand values: cls row zero; patch (row 0, col 1) starts with sin(1), cos(1)', () => {
    const t = sincosPositionEmbedding2d(8, 2, 2, { classToken: true });
    expect(Array.from(t.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Token 2 = patch (row 0, col 1); q = 2, omega = [1, 1/100].
    const row = Array.from(t.subarray(16, 24));
    expectClose(row, [Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01), 0, 0, 1, 1]);
  });

  it('extends to rectangular grids (column code first, row code second)', () => {
    const t = sincosPositionEmbedding2d(8, 2, 3);
    // Token 5 = (row 1, col 2).
    const row = Array.from(t.subarray(40, 48));
    expectClose(row, [
      Math.sin(2),
      Math.sin(0.02),
      Math.cos(2),
      Math.cos(0.02),
      Math.sin(1),
      Math.sin(0.01),
      Math.cos(1),
      Math.cos(0.01),
    ]);
    expect(() => sincosPositionEmbedding2d(6, 2)).toThrow(/multiple of 4/);
  });
});
