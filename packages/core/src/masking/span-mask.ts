import { resolveRng, type Rng } from '../random/rng';
import {
  assertInRange,
  assertInt,
  choiceWithoutReplacement,
  randint,
  roundHalfEven,
  weightedIndex,
} from './sampling';

/** Options of {@link spanMask}; defaults are fairseq's. */
export interface SpanMaskOptions {
  /** Minimum number of spans (`min_masks`). Default 0 (wav2vec 2.0 pre-training uses 2). */
  readonly minMasks?: number;
  /**
   * Place spans without overlap with fairseq's recursive interval splitting (`no_overlap`).
   * Default false: spans may overlap, so fewer than `p * length` steps end up masked.
   */
  readonly noOverlap?: boolean;
  /** With `noOverlap`, unmasked steps kept between spans (`min_space`). Default 0. */
  readonly minSpace?: number;
  /** Fraction of the masked steps unmasked again at random (`mask_dropout`). Default 0. */
  readonly maskDropout?: number;
}

/**
 * Span masking of wav2vec 2.0 for one sequence of `length` steps: every step is a span start
 * with probability `p`, implemented as fairseq does by drawing
 * `num_mask = max(min_masks, int(p * length / spanLength + U[0, 1)))` starts (probabilistic
 * rounding) without replacement from the first `length - spanLength` steps, and masking
 * `spanLength` steps from each. Spans may overlap (unless `noOverlap`), so the masked fraction
 * is below `p`: about `1 - (1 - p / spanLength)^spanLength`, i.e. ~49% for wav2vec 2.0's
 * `p = 0.65, spanLength = 10`. Returns a `Uint8Array [length]`, 1 = masked.
 *
 * Follows `compute_mask_indices` in facebookresearch/fairseq `fairseq/data/data_utils.py` for one
 * row with `mask_type="static"` (fixed span length; `num_mask_ver=2`, `idc_select_ver=1`),
 * including its quirks: the start range excludes `length - spanLength` (so the last step is
 * never masked by a full-range draw), and when `length - spanLength <= num_mask` the range grows
 * to `num_mask + 1` starts and spans are clipped at the end. Deviations, where fairseq fails: when
 * `num_mask` is 0 the mask is empty (fairseq raises), and with `noOverlap` a gap exactly one span
 * long places the span at its start (fairseq's `randint(s, s)` raises). A batch with padding and
 * one span count per batch is {@link spanMaskBatch} (Hugging Face's variant).
 *
 * @param length - Sequence length (time steps).
 * @param p - Span-start probability (fairseq `mask_prob`), in [0, 1].
 * @param spanLength - Span length (`mask_length`), >= 1.
 * @param rng - Generator; defaults to the global one.
 * @param options - fairseq's `min_masks`, `no_overlap`, `min_space`, `mask_dropout`.
 * @throws When every step would be masked (as fairseq).
 *
 * @example
 * ```ts
 * // wav2vec 2.0 (fairseq data_utils.compute_mask_indices): p = 0.65, spans of 10, min 2 spans.
 * const mask = spanMask(500, 0.65, 10, createRng(0), { minMasks: 2 });
 * // about 49% of the 500 steps are 1
 * ```
 */
export function spanMask(
  length: number,
  p: number,
  spanLength: number,
  rng?: Rng,
  options: SpanMaskOptions = {},
): Uint8Array {
  assertInt('spanMask', 'length', length, 1);
  assertInRange('spanMask', 'p', p, 0, 1);
  assertInt('spanMask', 'spanLength', spanLength, 1);
  const minMasks = options.minMasks ?? 0;
  const minSpace = options.minSpace ?? 0;
  const maskDropout = options.maskDropout ?? 0;
  assertInt('spanMask', 'minMasks', minMasks, 0);
  assertInt('spanMask', 'minSpace', minSpace, 0);
  assertInRange('spanMask', 'maskDropout', maskDropout, 0, 1);
  const r = resolveRng(rng);
  const sz = length;

  // Probabilistic rounding: the expected number of spans is p * sz / spanLength.
  const numMask = Math.max(minMasks, Math.floor((p * sz) / spanLength + r.float()));
  const mask = new Uint8Array(sz);
  if (numMask === 0) return mask;

  if (options.noOverlap) {
    // fairseq's `arrange`: place the longest spans first in a gap chosen proportionally to its
    // size, then split the gap into what remains on each side.
    let parts: Array<[number, number]> = [[0, sz]];
    const keepLength = spanLength; // min(lengths) with static lengths
    const arrange = (s: number, e: number, len: number): Array<[number, number]> => {
      const spanStart = e - len > s ? randint(s, e - len, r) : s;
      for (let i = 0; i < len; i++) mask[spanStart + i] = 1;
      const newParts: Array<[number, number]> = [];
      if (spanStart - s - minSpace >= keepLength) newParts.push([s, spanStart - minSpace + 1]);
      if (e - spanStart - len - minSpace > keepLength)
        newParts.push([spanStart + len + minSpace, e]);
      return newParts;
    };
    for (let k = 0; k < numMask; k++) {
      const lens = parts.map(([s, e]) => (e - s >= spanLength + minSpace ? e - s : 0));
      if (lens.every((l) => l === 0)) break;
      const c = weightedIndex(lens, r);
      const [s, e] = parts[c];
      parts = parts.filter((_, i) => i !== c);
      parts.push(...arrange(s, e, spanLength));
    }
  } else {
    let minLen = spanLength;
    if (sz - minLen <= numMask) minLen = sz - numMask - 1;
    const starts = choiceWithoutReplacement(sz - minLen, numMask, r);
    for (const start of starts) {
      // `mask_idc[mask_idc < sz]`: spans are clipped at the end.
      for (let off = 0; off < spanLength && start + off < sz; off++) mask[start + off] = 1;
    }
  }

  let masked = 0;
  for (let i = 0; i < sz; i++) masked += mask[i];
  if (masked >= sz) {
    throw new Error(
      `spanMask: the entire sequence is masked (length ${sz}, ${numMask} spans of ${spanLength}); lower p or spanLength`,
    );
  }

  if (maskDropout > 0) {
    const maskedIdx: number[] = [];
    for (let i = 0; i < sz; i++) if (mask[i] === 1) maskedIdx.push(i);
    const numHoles = roundHalfEven(maskedIdx.length * maskDropout);
    for (const k of choiceWithoutReplacement(maskedIdx.length, numHoles, r)) mask[maskedIdx[k]] = 0;
  }
  return mask;
}
