import { resolveRng, type Rng } from '../random/rng';
import { t5SpanNoiseMask } from './t5-span-noise-mask';

/** Options of {@link t5SpanCorruption}. */
export interface T5SpanCorruptionOptions {
  /** Fraction of tokens corrupted. Default 0.15 (T5). */
  readonly noiseDensity?: number;
  /** Mean length of a corrupted span. Default 3 (T5). */
  readonly meanSpanLength?: number;
  /** Id of the first sentinel, `<extra_id_0>` (32099 in T5's 32100-token vocabulary). */
  readonly sentinelStartId: number;
  /**
   * Step between consecutive sentinel ids: sentinel `k` (0-based) is
   * `sentinelStartId + k * sentinelStep`. Default -1, T5's convention (`<extra_id_1>` = 32098;
   * HF's `len(tokenizer) - k` for `k = 1, 2, ...`).
   */
  readonly sentinelStep?: -1 | 1;
  /** Appended to every input and target row when given (HF appends `eos_token_id`, 1 in T5). */
  readonly eosId?: number;
  /**
   * Tokens per row when `ids` holds several rows of equal length (`[batch, sequenceLength]`,
   * row-major). Default `ids.length`: one sequence.
   */
  readonly sequenceLength?: number;
}

/** Output of {@link t5SpanCorruption}; id arrays are row-major. */
export interface T5SpanCorruption {
  /**
   * `[batch, inputLength]`: the kept tokens with each noise span replaced by one sentinel
   * (`nn_0 S_0 nn_1 S_1 ... S_{n-1} [eos]`).
   */
  readonly inputIds: Int32Array;
  /**
   * `[batch, targetLength]`: each sentinel followed by the tokens it replaced
   * (`S_0 n_0 S_1 n_1 ... [eos]`).
   */
  readonly targetIds: Int32Array;
  /** `[batch, sequenceLength]`: the noise masks used, 1 = corrupted. */
  readonly noiseMask: Uint8Array;
  readonly batch: number;
  /** `num_nonnoise_tokens + num_noise_spans (+ 1 with eos)`, the same for every row. */
  readonly inputLength: number;
  /** `num_noise_tokens + num_noise_spans (+ 1 with eos)`, the same for every row. */
  readonly targetLength: number;
}

/**
 * HF's `create_sentinel_ids` + `filter_input_ids` for one row: the first token of each run of
 * `keep[i] === 0` becomes the next sentinel, the rest of the run is dropped, tokens with
 * `keep[i] === 1` are copied.
 */
function fuseSpans(
  ids: Int32Array,
  start: number,
  n: number,
  drop: (i: number) => boolean,
  sentinel: (k: number) => number,
  out: Int32Array,
  outStart: number,
): number {
  let o = outStart;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!drop(i)) out[o++] = ids[start + i];
    else if (i === 0 || !drop(i - 1)) out[o++] = sentinel(k++);
  }
  return o - outStart;
}

/**
 * T5's span-corruption objective: draws a {@link t5SpanNoiseMask} per row, replaces each noise
 * span of the input by a sentinel, and builds the target from the sentinels followed by the
 * tokens they hide. Sentinels are numbered per row in order of appearance, with the same
 * sentinel opening a span in the input and its content in the target, so the original sequence
 * is recovered by substituting each input sentinel with the target tokens that follow it.
 *
 * Follows `FlaxDataCollatorForT5MLM` in huggingface/transformers
 * `examples/flax/language-modeling/run_t5_mlm_flax.py` (`random_spans_noise_mask`,
 * `create_sentinel_ids`, `filter_input_ids`; Raffel et al., 2020). Sentinel ids count down from
 * `<extra_id_0>` by default, as HF's `len(tokenizer) - k`. HF marks dropped tokens with negative
 * ids and filters them out; this keeps explicit positions, which gives the same result for any
 * non-negative ids.
 *
 * @param ids - Token ids, `[batch, sequenceLength]` row-major (one row by default).
 * @param options - Density, span length, sentinel id and direction, eos, row length.
 * @param rng - Generator; defaults to the global one.
 *
 * @example
 * ```ts
 * // T5 (HF transformers run_t5_mlm_flax.py FlaxDataCollatorForT5MLM), t5-base vocabulary.
 * const opts = { sentinelStartId: 32099, eosId: 1 };
 * const { inputIds, targetIds } = t5SpanCorruption(ids, opts, createRng(0));
 * // inputIds:  [... 32099 ... 32098 ... 1], targetIds: [32099 ... 32098 ... 1]
 * ```
 */
export function t5SpanCorruption(
  ids: Int32Array | readonly number[],
  options: T5SpanCorruptionOptions,
  rng?: Rng,
): T5SpanCorruption {
  const tokens = ids instanceof Int32Array ? ids : Int32Array.from(ids);
  const noiseDensity = options.noiseDensity ?? 0.15;
  const meanSpanLength = options.meanSpanLength ?? 3;
  const step = options.sentinelStep ?? -1;
  const { sentinelStartId, eosId } = options;
  const seqLen = options.sequenceLength ?? tokens.length;
  if (!Number.isInteger(seqLen) || seqLen < 2 || tokens.length % seqLen !== 0) {
    throw new Error(
      `t5SpanCorruption: sequenceLength must be an integer >= 2 dividing ids.length (${tokens.length}), got ${seqLen}`,
    );
  }
  if (!Number.isInteger(sentinelStartId) || sentinelStartId < 0) {
    throw new Error(
      `t5SpanCorruption: sentinelStartId must be a non-negative integer, got ${sentinelStartId}`,
    );
  }
  if (step !== -1 && step !== 1) {
    throw new Error(`t5SpanCorruption: sentinelStep must be -1 or 1, got ${String(step)}`);
  }
  if (eosId !== undefined && !Number.isInteger(eosId)) {
    throw new Error(`t5SpanCorruption: eosId must be an integer, got ${eosId}`);
  }
  const r = resolveRng(rng);
  const batch = tokens.length / seqLen;
  const extra = eosId === undefined ? 0 : 1;

  const noiseMask = new Uint8Array(tokens.length);
  for (let b = 0; b < batch; b++) {
    noiseMask.set(t5SpanNoiseMask(seqLen, noiseDensity, meanSpanLength, r), b * seqLen);
  }
  // The counts are deterministic, so every row has the same lengths (read them off row 0).
  let numNoise = 0;
  let numSpans = 0;
  for (let i = 0; i < seqLen; i++) {
    numNoise += noiseMask[i];
    if (noiseMask[i] === 1 && (i === 0 || noiseMask[i - 1] === 0)) numSpans++;
  }
  const inputLength = seqLen - numNoise + numSpans + extra;
  const targetLength = numNoise + numSpans + extra;
  const lowest = step === -1 ? sentinelStartId - (numSpans - 1) : sentinelStartId;
  if (lowest < 0) {
    throw new Error(
      `t5SpanCorruption: ${numSpans} sentinels counting down from ${sentinelStartId} would go below 0`,
    );
  }
  const sentinel = (k: number): number => sentinelStartId + step * k;

  const inputIds = new Int32Array(batch * inputLength);
  const targetIds = new Int32Array(batch * targetLength);
  for (let b = 0; b < batch; b++) {
    const off = b * seqLen;
    const isNoise = (i: number): boolean => noiseMask[off + i] === 1;
    const isKept = (i: number): boolean => noiseMask[off + i] === 0;
    const nIn = fuseSpans(tokens, off, seqLen, isNoise, sentinel, inputIds, b * inputLength);
    // Labels use the complementary mask: non-noise runs collapse to sentinels.
    const nTg = fuseSpans(tokens, off, seqLen, isKept, sentinel, targetIds, b * targetLength);
    if (extra === 1) {
      inputIds[b * inputLength + nIn] = eosId as number;
      targetIds[b * targetLength + nTg] = eosId as number;
    }
  }
  return { inputIds, targetIds, noiseMask, batch, inputLength, targetLength };
}
