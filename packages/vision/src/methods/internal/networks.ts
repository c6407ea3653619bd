// Internal: the network plumbing every method shares (forward chains, frozen EMA copies,
// stable variable keys).
import * as tf from '@tensorflow/tfjs';
import { emaUpdate, modelVariables } from '@selfsup/core';

/** Runs `x` through `models` in order, in training mode (batch statistics, dropout). */
export function forward(
  models: readonly tf.LayersModel[],
  x: tf.Tensor,
  training = true,
): tf.Tensor2D {
  let y = x;
  for (const m of models) {
    const out = m.apply(y, { training });
    if (Array.isArray(out))
      throw new Error(`model '${m.name}' has ${out.length} outputs; methods need one`);
    y = out as tf.Tensor;
  }
  if (y.rank !== 2) {
    throw new Error(
      `expected [batch, dim] outputs from '${models.at(-1)?.name}', got shape [${y.shape.join(', ')}]`,
    );
  }
  return y as tf.Tensor2D;
}

/**
 * A copy of `model` (same architecture from its config, same weights) whose variables are not
 * trainable: the EMA target / momentum / teacher network. tfjs gives its variables suffixed names,
 * but {@link modelVariables} keys them by their original names, so online and target keys match.
 */
export function frozenCopy(model: tf.LayersModel): tf.LayersModel {
  const cls = model.constructor as unknown as {
    fromConfig(cls: unknown, config: tf.serialization.ConfigDict): tf.LayersModel;
  };
  let copy: tf.LayersModel;
  try {
    copy = cls.fromConfig(cls, model.getConfig());
  } catch (e) {
    throw new Error(
      `cannot copy model '${model.name}' from its config to build the target network (${(e as Error).message}); ` +
        'its custom layers must be registered with tf.serialization.registerClass',
    );
  }
  copy.setWeights(model.getWeights());
  copy.trainable = false;
  return copy;
}

/** Variables of `[prefix, model]` parts under stable keys `${prefix}/${layer}/${weight}`. */
export function partsVariables(
  parts: ReadonlyArray<readonly [string, tf.LayersModel]>,
  trainableOnly: boolean,
): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [prefix, model] of parts)
    Object.assign(out, modelVariables(model, prefix, trainableOnly));
  return out;
}

/**
 * The (target, online) variable pairs of an EMA: each trainable weight of `online[i]` with the
 * weight of the same original name in `target[i]`. Batch-norm running statistics are not averaged:
 * as in the official MoCo, BYOL and DINO code, the target keeps its own, updated by its forward
 * passes.
 */
export function emaPairs(
  online: readonly tf.LayersModel[],
  target: readonly tf.LayersModel[],
  exclude: (v: tf.Variable) => boolean = () => false,
): { target: tf.Variable[]; online: tf.Variable[] } {
  const t: tf.Variable[] = [];
  const o: tf.Variable[] = [];
  online.forEach((model, i) => {
    const onlineVars = modelVariables(model, 'm', true);
    const targetVars = modelVariables(target[i], 'm');
    for (const [key, v] of Object.entries(onlineVars)) {
      if (exclude(v)) continue;
      const tv = targetVars[key];
      if (tv === undefined)
        throw new Error(
          `EMA: the target copy of '${model.name}' has no variable '${key.slice(2)}'`,
        );
      t.push(tv);
      o.push(v);
    }
  });
  return { target: t, online: o };
}

/** `target <- m * target + (1 - m) * online` for every pair. */
export function applyEma(
  pairs: { target: tf.Variable[]; online: tf.Variable[] },
  momentum: number,
): void {
  emaUpdate(pairs.target, pairs.online, momentum);
}

/** Checks a number option: finite and within [min, max] (or (min, max] with `openMin`). */
export function checkNumber(
  method: string,
  name: string,
  value: number,
  min: number,
  max: number,
  openMin = false,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (openMin && value === min)
  ) {
    throw new Error(
      `${method}: ${name} must be a number in ${openMin ? '(' : '['}${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

/** Checks that a model maps [B, inDim] or images to [B, dim]; returns its output width. */
export function outputDim(model: tf.LayersModel, method: string, role: string): number {
  const shape = model.outputs.length === 1 ? model.outputs[0].shape : undefined;
  const d = shape?.[1];
  if (shape === undefined || shape.length !== 2 || d == null) {
    throw new Error(
      `${method}: the ${role} must output [batch, dim], '${model.name}' outputs ${shape ? `[${shape.join(', ')}]` : `${model.outputs.length} tensors`}`,
    );
  }
  return d;
}

/** Checks that `next` takes what `prev` outputs. */
export function checkChain(
  prev: tf.LayersModel,
  next: tf.LayersModel,
  method: string,
  prevRole: string,
  nextRole: string,
): void {
  const d = outputDim(prev, method, prevRole);
  const inShape = next.inputs.length === 1 ? next.inputs[0].shape : undefined;
  if (inShape === undefined || inShape.length !== 2 || (inShape[1] != null && inShape[1] !== d)) {
    throw new Error(
      `${method}: the ${nextRole} must take [batch, ${d}] (the ${prevRole}'s output), '${next.name}' takes ${inShape ? `[${inShape.join(', ')}]` : `${next.inputs.length} inputs`}`,
    );
  }
}

/**
 * Checks an online chain encoder -> projector -> predictor (BYOL, MoCo v3, SimSiam): each takes
 * what the previous outputs, and the predictor outputs the projection width (it is compared
 * with a projection).
 */
export function checkPredictorChain(
  method: string,
  encoder: tf.LayersModel,
  projector: tf.LayersModel,
  predictor: tf.LayersModel,
): void {
  checkChain(encoder, projector, method, 'encoder', 'projector');
  checkChain(projector, predictor, method, 'projector', 'predictor');
  const p = outputDim(projector, method, 'projector');
  const q = outputDim(predictor, method, 'predictor');
  if (q !== p) {
    throw new Error(`${method}: the predictor must output the projection width ${p}, got ${q}`);
  }
}
