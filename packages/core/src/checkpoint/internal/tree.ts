import * as tf from '@tensorflow/tfjs';
import type { StateTree } from '../state-tree';

/** JSON form of a tree: tensors become `{ "$tensor": i }`, non-finite numbers `{ "$number": "NaN" }`. */
export function flattenTree(
  tree: StateTree,
  where = 'state',
): { json: unknown; tensors: tf.Tensor[] } {
  const tensors: tf.Tensor[] = [];
  const walk = (x: StateTree, at: string): unknown => {
    if (x instanceof tf.Tensor) {
      tensors.push(x);
      return { $tensor: tensors.length - 1 };
    }
    if (typeof x === 'number') return Number.isFinite(x) ? x : { $number: String(x) };
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
    if (Array.isArray(x)) return x.map((v, i) => walk(v, `${at}[${i}]`));
    if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) {
        if (k.startsWith('$'))
          throw new Error(`checkpoint: ${at}: keys starting with '$' are reserved, got '${k}'`);
        out[k] = walk(v as StateTree, `${at}.${k}`);
      }
      return out;
    }
    throw new Error(
      `checkpoint: ${at} is a ${typeof x === 'object' ? (x as object).constructor?.name : typeof x}; state holds tensors, JSON values, arrays and plain objects only`,
    );
  };
  return { json: walk(tree, where), tensors };
}

/** Inverse of {@link flattenTree}. */
export function unflattenTree(json: unknown, tensors: readonly tf.Tensor[]): StateTree {
  const walk = (x: unknown): StateTree => {
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o.$tensor === 'number') return tensors[o.$tensor];
      if (typeof o.$number === 'string') return Number(o.$number);
      const out: Record<string, StateTree> = {};
      for (const [k, v] of Object.entries(o)) out[k] = walk(v);
      return out;
    }
    return x as StateTree;
  };
  return walk(json);
}
