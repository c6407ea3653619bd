import { resolveRng, type Rng } from '../random/rng';
import { assertInRange } from './sampling';

/** Options of {@link bertMasking}; defaults are BERT's. */
export interface BertMaskingOptions {
  /** Probability that a maskable token is chosen for prediction. Default 0.15. */
  readonly mlmProbability?: number;
  /** Ids never chosen (`[CLS]`, `[SEP]`, `[MASK]`, ...: the tokenizer's special tokens). */
  readonly specialIds: Iterable<number>;
  /** Vocabulary size: random replacements are uniform over `[0, vocabSize)` (`len(tokenizer)`). */
  readonly vocabSize: number;
  /** Id written at chosen positions 80% of the time (`[MASK]`). */
  readonly maskId: number;
  /** Padding id, never chosen (HF excludes `pad_token_id` when the tokenizer has one). */
  readonly padId?: number;
  /** Of the chosen tokens, fraction replaced by `maskId`. Default 0.8 (HF `mask_replace_prob`). */
  readonly maskReplaceProb?: number;
  /** Of the chosen tokens, fraction given a random id. Default 0.1 (HF `random_replace_prob`). */
  readonly randomReplaceProb?: number;
}

/** Output of {@link bertMasking}: arrays with the layout of the input ids. */
export interface BertMasking {
  /** The corrupted ids fed to the model. */
  readonly inputIds: Int32Array;
  /** The original id at chosen positions, -100 (ignored by the loss) elsewhere. */
  readonly labels: Int32Array;
}

/** Label of positions that are not predicted (PyTorch's `CrossEntropyLoss` `ignore_index`). */
const IGNORE_INDEX = -100;

/**
 * BERT's masked-language-model corruption. Every token that is neither special nor padding is
 * chosen independently with probability `mlmProbability` (a Bernoulli draw per token, not a fixed
 * count); of the chosen tokens 80% become `maskId`, 10% a token drawn uniformly from
 * `[0, vocabSize)` (which may equal the original), 10% stay unchanged. `labels` holds the original
 * id at chosen positions and -100 elsewhere.
 *
 * `ids` is a flat `Int32Array`; tokens are treated independently, so any layout works and is kept,
 * e.g. a batch `[batch, seqLen]` in row-major order.
 *
 * Follows `DataCollatorForLanguageModeling.torch_mask_tokens` in huggingface/transformers
 * `src/transformers/data/data_collator.py` (Devlin et al., "BERT: Pre-training of Deep
 * Bidirectional Transformers for Language Understanding", 2019), including its
 * `mask_replace_prob` / `random_replace_prob` split: the random replacement is drawn with
 * probability `randomReplaceProb / (1 - maskReplaceProb)` among chosen tokens not masked.
 *
 * @param ids - Token ids (any row-major layout).
 * @param options - Probabilities, special and padding ids, vocabulary size, mask id.
 * @param rng - Generator; defaults to the global one.
 *
 * @example
 * ```ts
 * // BERT (HF transformers DataCollatorForLanguageModeling.torch_mask_tokens), bert-base-uncased.
 * const { inputIds, labels } = bertMasking(
 *   ids, // Int32Array [batch * seqLen]
 *   { specialIds: [101, 102, 103], padId: 0, vocabSize: 30522, maskId: 103 },
 *   createRng(0),
 * );
 * ```
 */
export function bertMasking(ids: Int32Array, options: BertMaskingOptions, rng?: Rng): BertMasking {
  const mlmProbability = options.mlmProbability ?? 0.15;
  const maskReplaceProb = options.maskReplaceProb ?? 0.8;
  const randomReplaceProb = options.randomReplaceProb ?? 0.1;
  const { vocabSize, maskId, padId } = options;
  assertInRange('bertMasking', 'mlmProbability', mlmProbability, 0, 1);
  assertInRange('bertMasking', 'maskReplaceProb', maskReplaceProb, 0, 1);
  assertInRange('bertMasking', 'randomReplaceProb', randomReplaceProb, 0, 1);
  if (maskReplaceProb + randomReplaceProb > 1 + 1e-12) {
    throw new Error(
      `bertMasking: maskReplaceProb + randomReplaceProb must be <= 1, got ${maskReplaceProb} + ${randomReplaceProb}`,
    );
  }
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new Error(`bertMasking: vocabSize must be a positive integer, got ${vocabSize}`);
  }
  if (!Number.isInteger(maskId)) {
    throw new Error(`bertMasking: maskId must be an integer, got ${maskId}`);
  }
  const special = new Set<number>(options.specialIds);
  if (padId !== undefined) special.add(padId);
  const r = resolveRng(rng);

  // HF skips the random-word step in this case (and would divide by zero otherwise).
  const useRandom = maskReplaceProb < 1 && randomReplaceProb > 0;
  const randomScaled = useRandom ? randomReplaceProb / (1 - maskReplaceProb) : 0;

  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(ids.length).fill(IGNORE_INDEX);
  for (let i = 0; i < ids.length; i++) {
    if (special.has(ids[i])) continue;
    if (!r.bernoulli(mlmProbability)) continue;
    labels[i] = ids[i];
    // HF draws these Bernoullis for every position and ANDs them with the chosen mask; drawing
    // only at chosen positions gives the same distribution.
    if (r.bernoulli(maskReplaceProb)) inputIds[i] = maskId;
    else if (useRandom && r.bernoulli(randomScaled)) inputIds[i] = r.int(vocabSize);
  }
  return { inputIds, labels };
}
