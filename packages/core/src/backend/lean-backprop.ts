import * as tf from '@tensorflow/tfjs';

/** A node of tfjs's gradient tape (tfjs-core's `TapeNode`, not exported). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs-core's `Engine` that `gradients` uses (internal, stable through 4.x). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T>(name: string, f: () => T): T;
  tidy<T>(f: () => T): T;
  gradients: GradientsMethod;
}

type GradientsMethod = (
  this: EngineInternals,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

let stockGradients: GradientsMethod | undefined;

/**
 * Makes tfjs free memory during backpropagation instead of after it. Stock tfjs (4.22) keeps every
 * tensor saved for the backward pass and every intermediate gradient until the whole backward pass
 * ends, so a training step peaks at about twice its activation memory; on wasm, whose heap stops
 * at 4 GB, that decides the largest batch that fits. With this installed:
 * - a tape node's saved tensors are released as soon as its gradient has run;
 * - the gradient of a tensor is released once the node that produced it has consumed it;
 * - saved tensors of nodes that do not lead from the variables to the loss are released before
 *   the backward pass starts.
 *
 * Gradients are unchanged (same kernels, same order). Only the outermost gradient computation is
 * made lean: nested ones (higher-order gradients) keep tfjs's behaviour, since their tape is still
 * needed. Releasing is safe because saved tensors are clones (shared data, counted references):
 * releasing one never frees data another tensor still uses. Idempotent; {@link initBackend}
 * calls it.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { installLeanBackprop } from '@selfsup/core';
 * installLeanBackprop();
 * const { grads } = tf.variableGrads(() => model.loss(batch)); // peak memory ~ activations + 1 layer
 * ```
 */
export function installLeanBackprop(): void {
  if (stockGradients !== undefined) return;
  const engine = tf.engine() as unknown as EngineInternals;
  stockGradients = engine.gradients;
  engine.gradients = leanGradients;
}

/** Puts tfjs's own `gradients` back (for comparisons in tests). */
export function uninstallLeanBackprop(): void {
  if (stockGradients === undefined) return;
  (tf.engine() as unknown as EngineInternals).gradients = stockGradients;
  stockGradients = undefined;
}

/** Whether {@link installLeanBackprop} is in effect. */
export function leanBackpropInstalled(): boolean {
  return stockGradients !== undefined;
}

/** tfjs-core's `Engine.gradients`, with the releases described at {@link installLeanBackprop}. */
function leanGradients(
  this: EngineInternals,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') {
    throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  }
  const y = this.scopedRun(
    () => this.startTape(),
    () => this.endTape(),
    () => this.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = this.state.activeTape as TapeNode[];
  const filteredTape = filterNodesXToY(tape, xs, y);
  if (!allowNoGradients && filteredTape.length === 0 && xs.length > 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed ' +
        'encloses all operations that lead from x to y.',
    );
  }
  // Outermost: the tape is thrown away afterwards, so what it holds may go as soon as it is used.
  const lean = this.state.gradientDepth === 0;
  if (lean) {
    const kept = new Set(filteredTape.map((node) => node.id));
    for (const node of tape) if (!kept.has(node.id)) disposeAll(node.saved);
  }
  return this.tidy('backward', () => {
    const seed = dy ?? tf.ones(y.shape);
    const grads = new GradientMap();
    grads.set(y.id, seed);
    backpropagate(grads, filteredTape, (fn) => this.tidy(fn), lean, dy);
    const result = xs.map((x) => grads.get(x.id)) as tf.Tensor[];
    if (lean) {
      for (const node of tape) disposeAll(node.saved);
      this.state.activeTape = null;
    }
    return { value: y, grads: result };
  });
}

/** Tensor id -> accumulated gradient, counting how many ids share one tensor object. */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly uses = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  set(id: number, t: tf.Tensor): void {
    this.drop(id);
    this.byId.set(id, t);
    this.uses.set(t, (this.uses.get(t) ?? 0) + 1);
  }

  /** Forgets id's gradient; returns the tensor if no other id still holds it. */
  drop(id: number): tf.Tensor | undefined {
    const t = this.byId.get(id);
    if (t === undefined) return undefined;
    this.byId.delete(id);
    const left = (this.uses.get(t) ?? 1) - 1;
    if (left > 0) {
      this.uses.set(t, left);
      return undefined;
    }
    this.uses.delete(t);
    return t;
  }

  holds(t: tf.Tensor): boolean {
    return this.uses.has(t);
  }
}

/**
 * tfjs-core's `backpropagateGradients`. When `lean`, each node's saved tensors and output
 * gradients are released after the node; a caller's `dy` never.
 */
function backpropagate(
  grads: GradientMap,
  filteredTape: TapeNode[],
  tidy: (f: () => tf.Tensor) => tf.Tensor,
  lean: boolean,
  callerDy: tf.Tensor | undefined,
): void {
  for (let i = filteredTape.length - 1; i >= 0; i--) {
    const node = filteredTape[i];
    // null: this output does not lead to y (tfjs passes zeros for it).
    const dys = node.outputs.map((o) => grads.get(o.id) ?? null) as tf.Tensor[];
    if (node.gradient == null) {
      throw new Error(
        `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
      );
    }
    const inputGradients = node.gradient(dys);
    for (const inputName in node.inputs) {
      if (!(inputName in inputGradients)) {
        throw new Error(
          `Cannot backprop through input ${inputName}. ` +
            `Available gradients found: ${Object.keys(inputGradients)}.`,
        );
      }
      const dx = tidy(() => inputGradients[inputName]());
      if (dx.dtype !== 'float32') {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input ${inputName} ` +
            `must have 'float32' dtype, but has '${dx.dtype}'`,
        );
      }
      const x = node.inputs[inputName];
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input '${inputName}' ` +
            `has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
        );
      }
      const current = grads.get(x.id);
      if (current === undefined) {
        grads.set(x.id, dx);
      } else {
        grads.set(x.id, tf.add(current, dx));
        // tfjs disposes the replaced sum unconditionally; here only if no other id holds it.
        if (!lean || !grads.holds(current)) current.dispose();
      }
    }
    if (lean) {
      // A node's outputs were produced by it alone and consumed by later nodes only, all done.
      for (const o of node.outputs) {
        const g = grads.drop(o.id);
        if (g !== undefined && g !== callerDy) g.dispose();
      }
      for (const t of node.saved ?? []) if (!grads.holds(t)) t.dispose();
    }
  }
}

function disposeAll(tensors: tf.Tensor[] | undefined): void {
  if (tensors !== undefined) for (const t of tensors) t.dispose();
}

/**
 * tfjs-core's `getFilteredNodesXToY` (tape.ts, Apache-2.0, not exported): the tape nodes on a path
 * from xs to y, in tape order, each with its inputs pruned to those that depend on xs.
 */
function filterNodesXToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    for (const inputName in node.inputs) {
      if (fromX.has(node.inputs[inputName].id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const leadsToY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => leadsToY.has(o.id))) {
      for (const inputName in node.inputs) {
        leadsToY.add(node.inputs[inputName].id);
        nodesToY.add(node.id);
      }
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const inputName in node.inputs) {
      if (fromX.has(node.inputs[inputName].id)) inputs[inputName] = node.inputs[inputName];
    }
    filtered.push({ ...node, inputs, outputs: node.outputs });
  }
  return filtered;
}
