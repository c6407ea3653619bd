import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer';

/** Slot variables of one model variable, by slot name (e.g. `{ m, v }`). */
export type SlotVariables = Record<string, tf.Variable>;

const shapeString = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** A non-trainable float32 variable holding `initial`'s values. */
const copyToSlot = (initial: tf.Tensor): tf.Variable =>
  // tf.variable shares the data buffer (reference-counted); later assigns replace only ours.
  tf.tidy(() =>
    tf.variable(initial.dtype === 'float32' ? initial : tf.cast(initial, 'float32'), false),
  );

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Shared bookkeeping of AdamW, LARS and SGD (internal, not exported from the package): the
 * learning rate, the iteration count, slot storage keyed by variable name, gradient validation,
 * and `getSlots`/`setSlots`/`dispose`. Subclasses implement only the per-variable update.
 *
 * Slots are non-trainable `tf.Variable`s (so `tf.variableGrads()` never picks them up) updated with
 * `assign` inside one `tf.tidy` per step, so the tensor count stays flat across steps.
 *
 * @example
 * ```ts
 * class Plain extends SlottedOptimizer {
 *   constructor(lr: number) { super('Plain', lr); }
 *   protected slotNames() { return []; }
 *   protected updateVariable(p: tf.Variable, g: tf.Tensor) {
 *     p.assign(tf.sub(p, tf.mul(g, this.learningRate)));
 *   }
 *   getConfig() { return { className: 'Plain', learningRate: this.learningRate }; }
 * }
 * ```
 */
export abstract class SlottedOptimizer implements Optimizer {
  private lr = 0;
  private iterationCount = 0;
  private readonly slots = new Map<string, SlotVariables>();

  protected constructor(
    /** Class name used in error messages and `getConfig()`. */
    protected readonly className: string,
    learningRate: number,
  ) {
    this.learningRate = learningRate;
  }

  /** Learning rate used by the next `applyGradients` (finite, >= 0). */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${this.className}: learningRate must be a finite number >= 0, got ${value}`);
    }
    this.lr = value;
  }

  /** Number of `applyGradients` calls so far (restored by `setSlots`). */
  get iterations(): number {
    return this.iterationCount;
  }

  /** Names of every slot this optimizer (with its current options) may hold per variable. */
  protected abstract slotNames(): readonly string[];

  /** Slots that must all be present when a variable's restored state is not empty. */
  protected requiredSlots(): readonly string[] {
    return this.slotNames();
  }

  /** Shape slot `name` must have for `variable` (the variable's own shape unless overridden). */
  protected slotShape(_name: string, variable: tf.Variable): readonly number[] {
    return variable.shape;
  }

  /**
   * Updates `variable` in place from `gradient` (same shape, validated). Runs inside the step's
   * `tf.tidy`; create missing slots with {@link SlottedOptimizer.createSlot}.
   */
  protected abstract updateVariable(
    variable: tf.Variable,
    gradient: tf.Tensor,
    slots: SlotVariables,
  ): void;

  /** Called after `setSlots` installed `slots` for `variable` (empty object: state cleared). */
  protected onSlotsRestored(_variable: tf.Variable, _slots: SlotVariables): void {}

  /** Called by `dispose` after the slot variables were freed. */
  protected onDispose(): void {}

  abstract getConfig(): Record<string, unknown>;

  /** Throws unless every value is a finite number >= 0 (hyperparameter validation). */
  protected checkNonNegative(values: Record<string, number>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!(value >= 0) || !Number.isFinite(value)) {
        throw new Error(`${this.className}: ${name} must be a finite number >= 0, got ${value}`);
      }
    }
  }

  /**
   * torch.optim.SGD's momentum on an update direction `d` (slot `momentumBuffer`): the first
   * buffer is `d` itself (no dampening), then `buf = momentum * buf + (1 - dampening) * d`;
   * returns the direction to step along (Nesterov: `d + momentum * buf`).
   */
  protected applyMomentum(
    p: tf.Variable,
    d: tf.Tensor,
    slots: SlotVariables,
    momentum: number,
    dampening: number,
    nesterov: boolean,
  ): tf.Tensor {
    if (momentum === 0) return d;
    let buffer = slots.momentumBuffer;
    if (buffer === undefined) {
      buffer = this.createSlot(p, 'momentumBuffer', d);
    } else {
      buffer.assign(tf.add(tf.mul(buffer, momentum), tf.mul(d, 1 - dampening)));
    }
    return nesterov ? tf.add(d, tf.mul(buffer, momentum)) : buffer;
  }

  /** Nesterov momentum is defined only with momentum > 0 and no dampening (as in PyTorch). */
  protected checkNesterov(nesterov: boolean, momentum: number, dampening: number): void {
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error(
        `${this.className}: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and ` +
          `dampening ${dampening}`,
      );
    }
  }

  /** Creates (and stores) slot `name` of `variable` with a copy of `initial`. */
  protected createSlot(variable: tf.Variable, name: string, initial: tf.Tensor): tf.Variable {
    let slots = this.slots.get(variable.name);
    if (slots === undefined) {
      slots = {};
      this.slots.set(variable.name, slots);
    }
    const slot = copyToSlot(initial);
    slots[name]?.dispose();
    slots[name] = slot;
    return slot;
  }

  applyGradients(gradients: tf.NamedTensorMap, variables: readonly tf.Variable[]): void {
    // Validate everything first so that a bad gradient leaves every variable untouched.
    const work: [tf.Variable, tf.Tensor][] = [];
    for (const variable of variables) {
      const gradient = gradients[variable.name];
      if (gradient == null) continue;
      if (!sameShape(gradient.shape, variable.shape)) {
        throw new Error(
          `${this.className}.applyGradients: gradient of variable '${variable.name}' has shape ` +
            `${shapeString(gradient.shape)}, expected ${shapeString(variable.shape)}`,
        );
      }
      if (variable.dtype !== 'float32' || gradient.dtype !== 'float32') {
        throw new Error(
          `${this.className}.applyGradients: variable '${variable.name}' and its gradient must be ` +
            `float32, got ${variable.dtype} and ${gradient.dtype}`,
        );
      }
      work.push([variable, gradient]);
    }
    tf.tidy(() => {
      for (const [variable, gradient] of work) {
        this.updateVariable(variable, gradient, this.slots.get(variable.name) ?? {});
      }
    });
    this.iterationCount += 1;
  }

  getSlots(variables: readonly tf.Variable[]): Record<string, tf.Tensor>[] {
    return variables.map((variable) => ({ ...(this.slots.get(variable.name) ?? {}) }));
  }

  setSlots(
    variables: readonly tf.Variable[],
    slots: Record<string, tf.Tensor>[],
    iterations: number,
  ): void {
    const where = `${this.className}.setSlots`;
    if (slots.length !== variables.length) {
      throw new Error(
        `${where}: expected one slot record per variable (${variables.length}), got ${slots.length}`,
      );
    }
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new Error(`${where}: iterations must be an integer >= 0, got ${iterations}`);
    }
    const known = this.slotNames();
    const required = this.requiredSlots();
    variables.forEach((variable, i) => {
      const record = slots[i] ?? {};
      const names = Object.keys(record);
      for (const name of names) {
        if (!known.includes(name)) {
          throw new Error(
            `${where}: unknown slot '${name}' for variable ${i} ('${variable.name}'); this ` +
              `${this.className} holds only [${known.join(', ')}]`,
          );
        }
        const expected = this.slotShape(name, variable);
        const tensor = record[name];
        if (tensor == null || tensor.isDisposed) {
          throw new Error(`${where}: slot '${name}' of variable ${i} is missing or disposed`);
        }
        if (!sameShape(tensor.shape, expected)) {
          throw new Error(
            `${where}: slot '${name}' of variable ${i} ('${variable.name}') has shape ` +
              `${shapeString(tensor.shape)}, expected ${shapeString(expected)}`,
          );
        }
      }
      if (names.length > 0) {
        const missing = required.filter((name) => !names.includes(name));
        if (missing.length > 0) {
          throw new Error(
            `${where}: variable ${i} ('${variable.name}') has slots ${names.join(', ')} but ` +
              `lacks ${missing.join(', ')}`,
          );
        }
      }
    });
    // Copy first, then free the old slots: `slots` may be this optimizer's own getSlots().
    const copies = variables.map((_, i) => {
      const copy: SlotVariables = {};
      for (const [name, tensor] of Object.entries(slots[i] ?? {})) copy[name] = copyToSlot(tensor);
      return copy;
    });
    variables.forEach((variable, i) => {
      const old = this.slots.get(variable.name);
      if (old !== undefined) Object.values(old).forEach((slot) => slot.dispose());
      if (Object.keys(copies[i]).length > 0) this.slots.set(variable.name, copies[i]);
      else this.slots.delete(variable.name);
    });
    this.iterationCount = iterations;
    variables.forEach((variable, i) => this.onSlotsRestored(variable, copies[i]));
  }

  dispose(): void {
    for (const slots of this.slots.values()) Object.values(slots).forEach((slot) => slot.dispose());
    this.slots.clear();
    this.onDispose();
  }
}
