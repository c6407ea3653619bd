import { resolveRng, type Rng } from '../random/rng';
import { assertInRange, assertInt, roundHalfEven } from './sampling';

/**
 * `_random_segmentation`: splits `numItems` into `numSegments` non-empty segments, every split
 * equally likely (a shuffled indicator of `numSegments - 1` segment starts among the
 * `numItems - 1` gaps, then a cumulative sum).
 */
function randomSegmentation(numItems: number, numSegments: number, rng: Rng): Int32Array {
  const firstInSegment = new Uint8Array(Math.max(numItems - 1, 0));
  firstInSegment.fill(1, 0, numSegments - 1);
  for (let i = firstInSegment.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = firstInSegment[i];
    firstInSegment[i] = firstInSegment[j];
    firstInSegment[j] = tmp;
  }
  const lengths = new Int32Array(numSegments);
  // Item 0 opens segment 0 (the `np.pad(..., [[1, 0]])`); item i + 1 opens a new one when flagged.
  let segment = 0;
  lengths[0] = 1;
  for (let i = 0; i < firstInSegment.length; i++) {
    segment += firstInSegment[i];
    lengths[segment]++;
  }
  return lengths;
}

/**
 * T5's random-spans noise mask for a sequence of `length` tokens (1 = noise). The counts are
 * deterministic:
 * - `num_noise_tokens = round(length * noiseDensity)` (ties to even, as `np.round`), clamped to
 *   `[1, length - 1]`; `num_nonnoise_tokens = length - num_noise_tokens`;
 * - `num_noise_spans = max(1, round(min(num_noise_tokens, num_nonnoise_tokens) / meanSpanLength))`
 *   (equal to `round(num_noise_tokens / meanSpanLength)` whenever `noiseDensity <= 0.5`).
 *
 * The noise and the non-noise tokens are each split into `num_noise_spans` non-empty segments
 * uniformly at random and interleaved starting with non-noise (so the mask starts with a
 * non-noise token and ends with a noise token); subject to these counts every mask is equally
 * likely.
 *
 * Follows `random_spans_noise_mask` of `FlaxDataCollatorForT5MLM` in huggingface/transformers
 * `examples/flax/language-modeling/run_t5_mlm_flax.py` (a copy of T5's `random_spans_helper`,
 * Raffel et al., "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
 * Transformer", 2020). `num_nonnoise_tokens` is taken after the clamp, as in T5; HF takes it
 * before, which only differs when `round(length * noiseDensity)` is 0, where HF's mask has an
 * extra token and fails with an index error.
 *
 * @param length - Number of tokens (>= 2).
 * @param noiseDensity - Fraction of noise tokens (T5: 0.15), in [0, 1].
 * @param meanSpanLength - Mean noise span length (T5: 3), >= 1.
 * @param rng - Generator; defaults to the global one.
 *
 * @example
 * ```ts
 * // T5 (HF transformers run_t5_mlm_flax.py random_spans_noise_mask): 512 tokens, 15%, spans of 3.
 * const noise = t5SpanNoiseMask(512, 0.15, 3, createRng(0));
 * // 77 ones in 26 runs; noise[0] === 0, noise[511] === 1
 * ```
 */
export function t5SpanNoiseMask(
  length: number,
  noiseDensity: number,
  meanSpanLength: number,
  rng?: Rng,
): Uint8Array {
  assertInt('t5SpanNoiseMask', 'length', length, 2);
  assertInRange('t5SpanNoiseMask', 'noiseDensity', noiseDensity, 0, 1);
  if (!Number.isFinite(meanSpanLength) || meanSpanLength < 1) {
    throw new Error(
      `t5SpanNoiseMask: meanSpanLength must be a finite number >= 1, got ${meanSpanLength}`,
    );
  }
  const r = resolveRng(rng);

  let numNoiseTokens = roundHalfEven(length * noiseDensity);
  numNoiseTokens = Math.min(Math.max(numNoiseTokens, 1), length - 1);
  const numNonnoiseTokens = length - numNoiseTokens;
  // min(...) keeps both segmentations feasible (at most one segment per token).
  const numNoiseSpans = Math.max(
    roundHalfEven(Math.min(numNoiseTokens, numNonnoiseTokens) / meanSpanLength),
    1,
  );

  const noiseSpanLengths = randomSegmentation(numNoiseTokens, numNoiseSpans, r);
  const nonnoiseSpanLengths = randomSegmentation(numNonnoiseTokens, numNoiseSpans, r);

  const mask = new Uint8Array(length);
  let pos = 0;
  for (let s = 0; s < numNoiseSpans; s++) {
    pos += nonnoiseSpanLengths[s];
    mask.fill(1, pos, pos + noiseSpanLengths[s]);
    pos += noiseSpanLengths[s];
  }
  return mask;
}
