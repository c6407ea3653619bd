import * as tf from '@tensorflow/tfjs';
import { toInt32Labels } from '../internal/to-labels';

/** Result of {@link codebookPerplexity}. */
export interface CodebookPerplexityResult {
  /** `exp(entropy)` of the average code usage: 1 if one code is used, `codebookSize` if all equally. */
  perplexity: number;
  /** Fraction of assignments going to each code. */
  usage: Float64Array;
  /** Codes never used. */
  deadCodes: number;
}

/**
 * Codebook perplexity of a vector quantizer (VQ-VAE, wav2vec 2.0): the average assignment
 * distribution `p` over the codebook, and `exp(-sum p log p)`. `codes` are code indices (a tensor
 * of any shape or an array; every entry is one assignment), or `{ probabilities }`: one-hot or
 * soft assignments, `n x codebookSize`, averaged over rows.
 *
 * @example
 * ```ts
 * import { codebookPerplexity } from '@selfsup/eval';
 * codebookPerplexity([0, 1, 2, 3], 4).perplexity; // 4: every code used equally
 * codebookPerplexity([2, 2, 2, 2], 4).perplexity; // 1: collapse onto one code
 * codebookPerplexity({ probabilities: [[0.5, 0.5], [0.5, 0.5]] }).perplexity; // 2
 * ```
 */
export function codebookPerplexity(
  codes: tf.Tensor | ArrayLike<number> | { probabilities: tf.Tensor | number[][] },
  codebookSize?: number,
): CodebookPerplexityResult {
  let usage: Float64Array;
  if (!(codes instanceof tf.Tensor) && 'probabilities' in codes) {
    const probs = codes.probabilities;
    const mean = tf.tidy(() => {
      const p = probs instanceof tf.Tensor ? probs : tf.tensor2d(probs);
      if (p.rank !== 2) {
        throw new Error(
          `codebookPerplexity: probabilities must be n x codebookSize, got shape [${p.shape}]`,
        );
      }
      return tf.mean(p, 0);
    });
    const k = mean.shape[0];
    if (codebookSize !== undefined && codebookSize !== k) {
      mean.dispose();
      throw new Error(
        `codebookPerplexity: assignments have ${k} columns but codebookSize is ${codebookSize}`,
      );
    }
    usage = Float64Array.from(mean.dataSync());
    mean.dispose();
    const total = usage.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error('codebookPerplexity: assignments sum to zero');
    for (let i = 0; i < k; i++) usage[i] /= total;
  } else {
    const flat = codes instanceof tf.Tensor ? tf.tidy(() => tf.reshape(codes, [-1])) : null;
    const idx = toInt32Labels(flat ?? (codes as ArrayLike<number>), 'codebookPerplexity');
    flat?.dispose();
    if (idx.length === 0) throw new Error('codebookPerplexity: no codes');
    let k = codebookSize ?? 0;
    for (const c of idx) {
      if (codebookSize !== undefined && c >= codebookSize) {
        throw new Error(`codebookPerplexity: code ${c} >= codebookSize (${codebookSize})`);
      }
      k = Math.max(k, c + 1);
    }
    usage = new Float64Array(k);
    for (const c of idx) usage[c] += 1 / idx.length;
  }
  let entropy = 0;
  let deadCodes = 0;
  for (const p of usage) {
    if (p > 0) entropy -= p * Math.log(p);
    else deadCodes++;
  }
  return { perplexity: Math.exp(entropy), usage, deadCodes };
}
