import * as tf from '@tensorflow/tfjs';
import { bicubicResizeMatrix } from './bicubic-resize-matrix';
import { createRng, type Rng } from '@selfsup/core';
import { layerSeed, normalInit } from './init';
import { sincosPositionEmbedding2d } from './sincos-position-embedding';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Kind of position embedding of {@link ClassTokenAndPosition}. */
export type PositionEmbeddingKind = 'sincos' | 'learned';

/** Options of {@link ClassTokenAndPosition}. */
export interface ClassTokenAndPositionArgs extends LayerArgs {
  /** Patch grid [rows, cols] of the tokens this layer receives (N = rows * cols). */
  gridSize: [number, number];
  /** Prepend a learned class token. Default true. */
  classToken?: boolean;
  /**
   * `'sincos'` (default): MAE's fixed 2-D sin-cos table, a non-trainable weight with a zero row for
   * the class token. `'learned'`: a trainable table initialized N(0, 0.02) as timm.
   */
  posEmbed?: PositionEmbeddingKind;
  /** Seed of the initial weights (stored in the config); drawn from `rng` when absent. */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent; defaults to the global one. */
  rng?: Rng;
}

/**
 * Adds the position embedding to patch tokens [B, N, D] and prepends the class token:
 * output [B, 1 + N, D] (or [B, N, D] without class token). Weights: `cls_token` [1, 1, D]
 * (N(0, 0.02), as MAE) and `pos_embed` [1, 1 + N, D], whose first row belongs to the class
 * token, as in timm and MAE.
 *
 * The two steps are public so that MAE can mask between them (positions are added before the
 * visible patches are gathered, the class token after): {@link addPositions} and
 * {@link prependClassToken}; `apply` does both.
 *
 * @example
 * ```ts
 * const tokens = new ClassTokenAndPosition({ gridSize: [14, 14], posEmbed: 'sincos', seed: 0 });
 * const x = tokens.apply(tf.zeros([2, 196, 192])) as tf.Tensor; // [2, 197, 192]
 * // MAE: patches with positions, keep a subset, then the class token.
 * const withPos = tokens.addPositions(patchTokens);            // [B, 196, D]
 * const visible = tf.gather(withPos, keepIndices, 1, 1);       // [B, 49, D]
 * const encoderInput = tokens.prependClassToken(visible);      // [B, 50, D]
 * ```
 */
export class ClassTokenAndPosition extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupClassTokenAndPosition';
  readonly gridSize: [number, number];
  readonly classToken: boolean;
  readonly posEmbed: PositionEmbeddingKind;
  readonly seed: number;
  private clsToken: LayerVariable | null = null;
  private posTable: LayerVariable | null = null;

  constructor(args: ClassTokenAndPositionArgs) {
    super(args);
    const grid = args.gridSize;
    if (
      !Array.isArray(grid) ||
      grid.length !== 2 ||
      !grid.every((v) => Number.isInteger(v) && v > 0)
    ) {
      throw new Error(
        `ClassTokenAndPosition: gridSize must be [rows, cols] of positive integers, got ${JSON.stringify(grid)}`,
      );
    }
    this.gridSize = [grid[0], grid[1]];
    this.classToken = args.classToken ?? true;
    this.posEmbed = args.posEmbed ?? 'sincos';
    if (this.posEmbed !== 'sincos' && this.posEmbed !== 'learned') {
      throw new Error(
        `ClassTokenAndPosition: posEmbed must be 'sincos' or 'learned', got ${String(this.posEmbed)}`,
      );
    }
    this.seed = layerSeed(args.seed, args.rng, 'ClassTokenAndPosition');
  }

  /** Number of patch tokens N = rows * cols. */
  get numPatches(): number {
    return this.gridSize[0] * this.gridSize[1];
  }

  /** Tokens before the patches: 1 with a class token, else 0. */
  get numPrefixTokens(): number {
    return this.classToken ? 1 : 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = this.checkShape(singleShape(inputShape, 'ClassTokenAndPosition'));
    const rng = createRng(this.seed);
    const clsSeed = rng.seed();
    const posSeed = rng.seed();
    const rows = this.numPrefixTokens + this.numPatches;
    if (this.classToken) {
      this.clsToken = this.addWeight(
        'cls_token',
        [1, 1, dim],
        'float32',
        normalInit(0.02, clsSeed),
      );
    }
    if (this.posEmbed === 'learned') {
      this.posTable = this.addWeight(
        'pos_embed',
        [1, rows, dim],
        'float32',
        normalInit(0.02, posSeed),
      );
    } else {
      if (dim % 4 !== 0) {
        throw new Error(`ClassTokenAndPosition: sincos needs a width divisible by 4, got ${dim}`);
      }
      this.posTable = this.addWeight(
        'pos_embed',
        [1, rows, dim],
        'float32',
        tf.initializers.zeros(),
        undefined,
        false,
      );
      const [gh, gw] = this.gridSize;
      const table = sincosPositionEmbedding2d(dim, gh, gw, { classToken: this.classToken });
      const value = tf.tensor3d(table, [1, rows, dim]);
      this.posTable.write(value);
      value.dispose();
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'ClassTokenAndPosition');
    const dim = this.checkShape(shape);
    return [shape[0], this.numPrefixTokens + this.numPatches, dim];
  }

  /**
   * Patch tokens [B, N, D] plus their position embeddings (the patch rows of `pos_embed`). For
   * a patch grid other than the one the table was built for (`grid`, e.g. DINO's small local
   * crops), the table is resized bicubically to that grid first, as DINO's
   * `interpolate_pos_encoding` does (PyTorch's bicubic, align_corners false; the resize is a
   * product with a fixed matrix, so learned tables still get their gradient).
   */
  addPositions(patchTokens: tf.Tensor, grid?: readonly [number, number]): tf.Tensor3D {
    this.ensureBuilt();
    const [h0, w0] = this.gridSize;
    const resized = grid !== undefined && (grid[0] !== h0 || grid[1] !== w0);
    return tf.tidy(() => {
      this.checkShape(patchTokens.shape, resized ? grid : undefined);
      const [, rows, dim] = this.posTable!.shape as number[];
      let pos = tf.slice(
        this.posTable!.read(),
        [0, this.numPrefixTokens, 0],
        [1, rows - this.numPrefixTokens, dim],
      );
      if (resized) {
        const [h, w] = grid;
        const my = tf.tensor2d(bicubicResizeMatrix(h, h0), [h, h0]);
        const mx = tf.tensor2d(bicubicResizeMatrix(w, w0), [w, w0]);
        // [h0, w0 * D] -> rows resized -> [h * w0, D] per row block -> columns resized.
        const byRows = tf.matMul(my, tf.reshape(pos, [h0, w0 * dim])); // [h, w0 * D]
        const cols = tf.transpose(tf.reshape(byRows, [h, w0, dim]), [1, 0, 2]); // [w0, h, D]
        const byCols = tf.matMul(mx, tf.reshape(cols, [w0, h * dim])); // [w, h * D]
        pos = tf.reshape(tf.transpose(tf.reshape(byCols, [w, h, dim]), [1, 0, 2]), [1, h * w, dim]);
      }
      return tf.add(patchTokens, pos) as tf.Tensor3D;
    });
  }

  /**
   * Prepends the class token plus its position row to tokens [B, L, D] (any L: MAE passes the
   * visible subset). Returns the tokens unchanged (as a new tensor) without a class token.
   */
  prependClassToken(tokens: tf.Tensor): tf.Tensor3D {
    if (tokens.rank !== 3) {
      throw new Error(
        `ClassTokenAndPosition: expected tokens [batch, length, dim], got [${tokens.shape.join(', ')}]`,
      );
    }
    if (!this.classToken) return tf.clone(tokens) as tf.Tensor3D;
    this.ensureBuilt();
    return tf.tidy(() => {
      const [b, , dim] = tokens.shape as number[];
      const clsPos = tf.slice(this.posTable!.read(), [0, 0, 0], [1, 1, dim]);
      const cls = tf.broadcastTo(tf.add(this.clsToken!.read(), clsPos), [b, 1, dim]);
      return tf.concat([cls, tokens], 1) as tf.Tensor3D;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      this.prependClassToken(this.addPositions(singleTensor(inputs, 'ClassTokenAndPosition'))),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      gridSize: [...this.gridSize],
      classToken: this.classToken,
      posEmbed: this.posEmbed,
      seed: this.seed,
    };
  }

  private ensureBuilt(): void {
    if (!this.built) {
      throw new Error(
        `ClassTokenAndPosition '${this.name}': not built yet; apply it (or the model holding it) once first`,
      );
    }
  }

  private checkShape(shape: Shape, grid?: readonly [number, number]): number {
    const [, n, dim] = shape;
    const [gh, gw] = grid ?? this.gridSize;
    if (shape.length !== 3 || n !== gh * gw || dim == null) {
      throw new Error(
        `ClassTokenAndPosition: expected patch tokens [batch, ${gh * gw}, dim] for a ` +
          `${gh}x${gw} grid, got [${shape.join(', ')}]`,
      );
    }
    return dim;
  }
}
tf.serialization.registerClass(ClassTokenAndPosition);
