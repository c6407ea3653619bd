import type * as tf from '@tensorflow/tfjs';
import { excludeBiasAndNorm, type VariablePredicate } from './exclude-bias-and-norm';

/** Options of {@link excludeByName}. */
export interface ExcludeByNameOptions {
  /** Also exclude rank <= 1 variables ({@link excludeBiasAndNorm}). Default true. */
  readonly andBiasAndNorm?: boolean;
}

/**
 * An exclusion predicate matching variable names against `pattern` (e.g. MAE/timm's
 * `pos_embed`/`cls_token`), by default combined with {@link excludeBiasAndNorm}. tfjs-layers names
 * variables `<layer>/<weight>` (`dense_Dense1/bias`, `batch_normalization_BatchNormalization1/gamma`),
 * so names are stable within a model definition. The returned function's `name` describes the rule
 * (it is what the optimizers' `getConfig()` records).
 *
 * @example
 * ```ts
 * const opt = new AdamW({
 *   learningRate: 1.5e-4,
 *   weightDecay: 0.05,
 *   excludeFromWeightDecay: excludeByName(/pos_embed|cls_token/),
 * });
 * ```
 */
export function excludeByName(
  pattern: RegExp,
  options: ExcludeByNameOptions = {},
): VariablePredicate {
  const andBiasAndNorm = options.andBiasAndNorm ?? true;
  // Drop the g/y flags: they make RegExp.test stateful (lastIndex) across calls.
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const predicate = (variable: tf.Variable): boolean =>
    re.test(variable.name) || (andBiasAndNorm && excludeBiasAndNorm(variable));
  const description = `excludeByName(${re}${andBiasAndNorm ? ' or rank <= 1' : ''})`;
  Object.defineProperty(predicate, 'name', { value: description });
  return predicate;
}
