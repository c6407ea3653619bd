import { resolveRng, type Rng } from '../random/rng';
import { assertInRange, assertInt, choiceWithoutReplacement } from './sampling';

/** Options of {@link spanMaskBatch}. */
export interface SpanMaskBatchOptions {
  /** Minimum number of spans per row (`min_masks`). Default 0 (wav2vec 2.0 uses 2). */
  readonly minMasks?: number;
  /**
   * Unpadded length of each row (the row sums of Hugging Face's right-padded `attention_mask`),
   * `batch` integers in `[0, length]`. Default: every row is `length` long.
   */
  readonly inputLengths?: ArrayLike<number>;
}

/**
 * Batched span masking of wav2vec 2.0 as Hugging Face implements it (`_compute_mask_indices`):
 * one probabilistic-rounding draw `epsilon ~ U[0, 1)` for the whole batch, then per row
 * `num = max(min_masks, int(p * inputLength / spanLength + epsilon))`, capped so that
 * `num * spanLength <= length` and `num <= inputLength - spanLength + 1`; the span starts are
 * drawn without replacement from `[0, inputLength - spanLength]` and each masks `spanLength` steps
 * (spans may overlap, and never run past `inputLength`). Rows are independent given `epsilon`.
 * Like Hugging Face, a row whose own count is 0 while the batch maximum is not gets its padding
 * slot `length - 1` masked (HF pads the index list with it), and a batch whose full-length count
 * is 0 returns no mask at all.
 *
 * Differs from fairseq ({@link spanMask}) in the start range (HF includes the last valid start),
 * the shared `epsilon`, and the absence of `require_same_masks` equalisation.
 *
 * Returns a `Uint8Array [batch * length]`, row-major (`index = row * length + step`), 1 = masked.
 *
 * Follows `_compute_mask_indices` in huggingface/transformers
 * `src/transformers/models/wav2vec2/modeling_wav2vec2.py` (Baevski et al., "wav2vec 2.0: A
 * Framework for Self-Supervised Learning of Speech Representations", 2020).
 *
 * @param batch - Rows.
 * @param length - Padded sequence length (columns).
 * @param p - `mask_time_prob`, in [0, 1].
 * @param spanLength - `mask_time_length`, in [1, length].
 * @param rng - Generator; defaults to the global one.
 * @param options - `min_masks` and per-row lengths.
 *
 * @example
 * ```ts
 * // wav2vec 2.0 (HF transformers modeling_wav2vec2._compute_mask_indices), two padded rows.
 * const opts = { minMasks: 2, inputLengths: [300, 180] };
 * const mask = spanMaskBatch(2, 300, 0.65, 10, createRng(0), opts);
 * // mask[0..299]: row 0; mask[300..599]: row 1, nothing masked past step 179
 * ```
 */
export function spanMaskBatch(
  batch: number,
  length: number,
  p: number,
  spanLength: number,
  rng?: Rng,
  options: SpanMaskBatchOptions = {},
): Uint8Array {
  assertInt('spanMaskBatch', 'batch', batch, 0);
  assertInt('spanMaskBatch', 'length', length, 1);
  assertInRange('spanMaskBatch', 'p', p, 0, 1);
  if (!Number.isInteger(spanLength) || spanLength < 1) {
    throw new Error(`spanMaskBatch: spanLength must be an integer >= 1, got ${spanLength}`);
  }
  if (spanLength > length) {
    throw new Error(
      `spanMaskBatch: spanLength must be <= length, got spanLength ${spanLength} and length ${length}`,
    );
  }
  const minMasks = options.minMasks ?? 0;
  assertInt('spanMaskBatch', 'minMasks', minMasks, 0);
  const inputLengths = options.inputLengths;
  if (inputLengths !== undefined) {
    if (inputLengths.length !== batch) {
      throw new Error(
        `spanMaskBatch: inputLengths must have one entry per row (${batch}), got ${inputLengths.length}`,
      );
    }
    for (let i = 0; i < batch; i++) {
      const l = inputLengths[i];
      if (!Number.isInteger(l) || l < 0 || l > length) {
        throw new Error(
          `spanMaskBatch: inputLengths[${i}] must be an integer in [0, ${length}], got ${l}`,
        );
      }
    }
  }
  const r = resolveRng(rng);
  const epsilon = r.float();

  const numSpans = (inputLength: number): number => {
    let n = Math.floor((p * inputLength) / spanLength + epsilon);
    n = Math.max(n, minMasks);
    if (n * spanLength > length) n = Math.floor(length / spanLength);
    if (inputLength - (spanLength - 1) < n) n = Math.max(inputLength - (spanLength - 1), 0);
    return n;
  };

  const mask = new Uint8Array(batch * length);
  const maxNum = numSpans(length);
  if (maxNum === 0) return mask;

  for (let b = 0; b < batch; b++) {
    const inputLength = inputLengths === undefined ? length : inputLengths[b];
    const num = numSpans(inputLength);
    const starts = choiceWithoutReplacement(Math.max(inputLength - (spanLength - 1), 0), num, r);
    const off = b * length;
    for (const start of starts) {
      for (let k = 0; k < spanLength; k++) mask[off + start + k] = 1;
    }
    // HF pads each row's index list to the batch maximum with a dummy start: the first sampled
    // start (a no-op), or, when the row has no span, `length - 1`, whose span is clipped to it.
    if (num === 0 && num < maxNum) mask[off + length - 1] = 1;
  }
  return mask;
}
