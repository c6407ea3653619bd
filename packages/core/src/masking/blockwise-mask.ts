import { resolveRng, type Rng } from '../random/rng';
import { assertInRange, assertInt, pyUniform, roundHalfEven } from './sampling';

/** Options of {@link blockwiseMask}; defaults are BEiT's pre-training settings. */
export interface BlockwiseMaskOptions {
  /**
   * Smallest target area of one block (BEiT's `min_num_patches`). Default 16, the value BEiT
   * pre-trains with (`--min_mask_patches_per_block 16`; the class itself defaults to 4).
   */
  readonly minNumPatches?: number;
  /** Largest target area of one block (`max_num_patches`); default: the total masked count. */
  readonly maxNumPatches?: number;
  /** Smallest block aspect ratio height / width (`min_aspect`). Default 0.3. */
  readonly minAspect?: number;
  /** Largest aspect ratio (`max_aspect`). Default `1 / minAspect`. */
  readonly maxAspect?: number;
}

/** One rectangle accepted by {@link blockwiseMask}, in patch units. */
export interface MaskBlock {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
  /** Patches of this block that were not masked before (BEiT's `delta`). */
  readonly added: number;
}

/** Output of {@link blockwiseMask}. */
export interface BlockwiseMask {
  /** `[height * width]`, row-major (`index = row * width + col`): 1 = masked. */
  readonly mask: Uint8Array;
  /**
   * Patches actually masked (BEiT's `mask_count`): `<= target`. At BEiT's 75 of 196, about a
   * third of the draws stop a few patches short (up to ~10 seen).
   */
  readonly count: number;
  /** Requested number of masked patches: `round(ratio * height * width)` (ties to even). */
  readonly target: number;
  /** The accepted blocks in the order they were placed; their union is `mask`. */
  readonly blocks: readonly MaskBlock[];
  readonly height: number;
  readonly width: number;
}

/**
 * Blockwise masking of BEiT for a `h x w` patch grid. Repeatedly draws a block with target
 * area `A ~ U(minNumPatches, min(remaining, maxNumPatches))` and log-uniform aspect ratio
 * `r = exp(U(log minAspect, log maxAspect))`, of height `round(sqrt(A r))` and width
 * `round(sqrt(A / r))`, at a uniform position. A block is accepted only if it adds between 1 and
 * `remaining` new patches, so the count never exceeds the target; each step tries 10 blocks and
 * the loop stops early when none is accepted, so the result can end slightly below the target
 * (BEiT's known shortfall). Once fewer than `minNumPatches` patches remain, the target area is
 * drawn between the remainder and `minNumPatches` (Python's `uniform(a, b)` accepts `a > b`), so
 * the last blocks of a mask can be small. As in BEiT, blocks must be strictly smaller than the
 * grid in both dimensions, and their real area can differ from the target area by rounding (a
 * 16-patch target at aspect 0.3 gives 2 x 7 = 14 patches).
 *
 * The count is given as a ratio: `target = round(ratio * h * w)`. BEiT passes the count itself
 * (`num_masking_patches = 75` of 196): `ratio = 75 / 196` reproduces it exactly.
 *
 * Follows `MaskingGenerator` in microsoft/unilm `beit/masking_generator.py` (Bao et al., "BEiT:
 * BERT Pre-Training of Image Transformers", 2021), draw for draw: `random.uniform` for the area and
 * log-aspect, `random.randint(0, H - h)` / `random.randint(0, W - w)` for the corner.
 *
 * @param h - Patch rows (14 for 224 px / 16 px patches).
 * @param w - Patch columns.
 * @param ratio - Fraction of patches to mask, in [0, 1].
 * @param rng - Generator; defaults to the global one.
 * @param options - Block size and aspect limits (BEiT defaults).
 *
 * @example
 * ```ts
 * // BEiT (microsoft/unilm beit/masking_generator.py): 75 of 14 x 14 patches, blocks >= 16.
 * const { mask, count } = blockwiseMask(14, 14, 75 / 196, createRng(0));
 * count; // 75 (or slightly fewer when no block fits)
 * ```
 */
export function blockwiseMask(
  h: number,
  w: number,
  ratio: number,
  rng?: Rng,
  options: BlockwiseMaskOptions = {},
): BlockwiseMask {
  assertInt('blockwiseMask', 'h', h, 1);
  assertInt('blockwiseMask', 'w', w, 1);
  assertInRange('blockwiseMask', 'ratio', ratio, 0, 1);
  const target = roundHalfEven(ratio * h * w);
  const minNumPatches = options.minNumPatches ?? 16;
  const maxNumPatches = options.maxNumPatches ?? target;
  const minAspect = options.minAspect ?? 0.3;
  // BEiT: `max_aspect or 1 / min_aspect` (0 and None both fall back).
  const maxAspect = options.maxAspect || 1 / minAspect;
  if (!(minNumPatches > 0) || !(maxNumPatches >= 0)) {
    throw new Error(
      `blockwiseMask: minNumPatches must be > 0 and maxNumPatches >= 0, got ${minNumPatches} and ${maxNumPatches}`,
    );
  }
  if (!(minAspect > 0) || !(maxAspect > 0)) {
    throw new Error(
      `blockwiseMask: minAspect and maxAspect must be > 0, got ${minAspect} and ${maxAspect}`,
    );
  }
  const logAspectLow = Math.log(minAspect);
  const logAspectHigh = Math.log(maxAspect);
  const r = resolveRng(rng);

  const mask = new Uint8Array(h * w);
  const blocks: MaskBlock[] = [];

  // BEiT's `_mask`: up to 10 attempts, stops at the first block that adds patches.
  const placeOne = (maxMaskPatches: number): number => {
    let delta = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = pyUniform(minNumPatches, maxMaskPatches, r);
      const aspectRatio = Math.exp(pyUniform(logAspectLow, logAspectHigh, r));
      const bh = roundHalfEven(Math.sqrt(targetArea * aspectRatio));
      const bw = roundHalfEven(Math.sqrt(targetArea / aspectRatio));
      if (bw < w && bh < h) {
        // random.randint is inclusive at both ends.
        const top = r.int(h - bh + 1);
        const left = r.int(w - bw + 1);
        let numMasked = 0;
        for (let i = top; i < top + bh; i++) {
          for (let j = left; j < left + bw; j++) numMasked += mask[i * w + j];
        }
        const fresh = bh * bw - numMasked;
        if (fresh > 0 && fresh <= maxMaskPatches) {
          for (let i = top; i < top + bh; i++) {
            for (let j = left; j < left + bw; j++) {
              if (mask[i * w + j] === 0) {
                mask[i * w + j] = 1;
                delta++;
              }
            }
          }
          blocks.push({ top, left, height: bh, width: bw, added: delta });
        }
        if (delta > 0) break;
      }
    }
    return delta;
  };

  let count = 0;
  while (count < target) {
    const maxMaskPatches = Math.min(target - count, maxNumPatches);
    const delta = placeOne(maxMaskPatches);
    if (delta === 0) break;
    count += delta;
  }
  return { mask, count, target, blocks, height: h, width: w };
}
