import { z } from 'zod';

/** Backends `--backend` and `backend:` accept (see core's `initBackend`). */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);

/** Data source: `mnist`, `fashion-mnist` or `folder:<path>` (class subfolders). */
export const dataSourceSchema = z
  .string()
  .refine(
    (s) =>
      s === 'mnist' ||
      s === 'fashion-mnist' ||
      (s.startsWith('folder:') && s.length > 'folder:'.length),
    {
      message: "expected 'mnist', 'fashion-mnist' or 'folder:<path>'",
    },
  );

/** `encoder:` — the backbone kept after pretraining. */
export const encoderSchema = z
  .object({
    /** smallConvNet (Conv-4), resnet (torchvision layout) or vit. */
    name: z.enum(['smallConvNet', 'resnet', 'vit']),
    /** smallConvNet: output channels of each block. */
    widths: z.array(posInt).min(1).optional(),
    /** resnet: 18, 34, 50, 101 or 152. */
    depth: z
      .union([z.literal(18), z.literal(34), z.literal(50), z.literal(101), z.literal(152)])
      .optional(),
    /** resnet: the CIFAR stem (3x3 conv, no max-pool). */
    cifarStem: z.boolean().optional(),
    /** resnet: multiplies every width. */
    widthMultiplier: z.number().positive().optional(),
    /** vit: tiny, small, base or large. */
    size: z.enum(['tiny', 'small', 'base', 'large']).optional(),
    /** vit: patch side. */
    patchSize: posInt.optional(),
    /** vit: overrides of the size's width, depth and heads. */
    embedDim: posInt.optional(),
    depthBlocks: posInt.optional(),
    numHeads: posInt.optional(),
  })
  .strict();

/** `data:` — what to pretrain on and the held-out split evaluations use. */
export const dataSchema = z
  .object({
    source: dataSourceSchema,
    /** Training images used for pretraining (null: all). */
    limit: posInt.nullable(),
    /** Image side the encoder sees (MNIST and Fashion-MNIST: 28). */
    imageSize: posInt,
    /** Channels: 1 (grayscale) or 3 (RGB). */
    channels: z.union([z.literal(1), z.literal(3)]),
    /** folder: fraction of the images held out for evaluation (MNIST uses its test split). */
    heldOutFraction: z.number().gt(0).lt(1),
  })
  .strict();

/** `augment:` — how the views are made (each method has its paper's recipe). */
export const augmentSchema = z
  .object({
    /** simclr, moco-v2, byol (asymmetric pair) or multi-crop (DINO). */
    recipe: z.enum(['simclr', 'moco-v2', 'byol', 'multi-crop']),
    /** Smallest random-resized-crop area (null: the recipe's default). */
    minScale: z.number().gt(0).max(1).nullable(),
    /** Horizontal-flip probability (0 for digits). */
    flip: probability,
    /** Gaussian-blur probability (null: the recipe's default; simclr and moco-v2 only). */
    blur: probability.nullable(),
    /** simclr: colour-distortion strength s. */
    jitterStrength: z.number().nonnegative(),
    /** multi-crop: number and side of the local crops. */
    localCrops: nonNegInt,
    localSize: posInt.nullable(),
  })
  .strict();

/** `train:` — the Trainer's loop, checkpoints and log. */
export const trainSchema = z
  .object({
    batchSize: z.number().int().min(2),
    /** Passes over the training images (null: only `steps` / `minutes` bound the run). */
    epochs: posInt.nullable(),
    /** Optimizer steps (null: from epochs). */
    steps: posInt.nullable(),
    /** Wall-clock budget in minutes: the run is sized to fit it and stopped when it is spent. */
    minutes: z.number().positive().nullable(),
    gradAccumulation: posInt,
    clipNorm: z.number().positive().nullable(),
    checkpointEvery: posInt,
    keepCheckpoints: posInt,
    logEvery: posInt,
    /** Plain progress line every this many steps when stderr is not a terminal (0: none). */
    progressEvery: nonNegInt,
  })
  .strict();

/** `optimizer:` — defaults from the method's paper (its `recipe`). */
export const optimizerSchema = z
  .object({
    name: z.enum(['lars', 'sgd', 'adamw']),
    /** Peak learning rate: per 256 images (`lrScaling: linear`), per sqrt(batch) (`sqrt`) or as is (`none`). */
    lr: z.number().positive(),
    lrScaling: z.enum(['linear', 'sqrt', 'none']),
    weightDecay: z.number().nonnegative(),
    /** LARS and SGD. */
    momentum: z.number().min(0).lt(1),
    /** LARS (eta). */
    trustCoefficient: z.number().positive(),
    /** AdamW. */
    beta2: z.number().gt(0).lt(1),
    /** Linear warm-up (capped at the paper's share of its run), then half-cosine decay. */
    warmupEpochs: z.number().nonnegative(),
    /** Warm-up in steps, overriding warmupEpochs. */
    warmupSteps: nonNegInt.nullable(),
    /** Learning rate at the end as a fraction of the peak. */
    finalLrFactor: probability,
  })
  .strict();

/** `eval:` — what is measured after pretraining. */
export const evalSchema = z
  .object({
    /** Labelled training images the kNN bank and the linear probe use. */
    trainSize: posInt,
    /** Held-out images they are scored on. */
    testSize: posInt,
    knn: z.object({ k: posInt, temperature: z.number().positive() }).strict(),
    /** Run the linear probe. */
    probe: z.boolean(),
    /** Also score raw pixels and a random-init encoder of the same architecture. */
    baselines: z.boolean(),
    /** Points of the report's 2-D map (0: no map). */
    mapPoints: nonNegInt,
  })
  .strict();

/** `method:` — its name and its hyperparameters (checked by the method's own schema). */
export const methodSectionSchema = z.object({ name: z.string().min(1) }).passthrough();

/**
 * The fully resolved configuration of a run: what `--print-config` prints and what the run
 * folder's `config.yaml` holds.
 *
 * @example
 * ```ts
 * const config = resolvedConfigSchema.parse(yaml.parse(readFileSync('runs/simclr-1/config.yaml', 'utf8')));
 * ```
 */
export const resolvedConfigSchema = z
  .object({
    method: methodSectionSchema,
    seed: z.number().int(),
    backend: z.enum(BACKENDS),
    encoder: encoderSchema,
    data: dataSchema,
    augment: augmentSchema,
    train: trainSchema,
    optimizer: optimizerSchema,
    eval: evalSchema,
    /** Folder that holds the run folders (`<runsDir>/<method>-<timestamp>/`). */
    runsDir: z.string().min(1),
  })
  .strict();

/** A resolved configuration. */
export type ResolvedConfig = z.infer<typeof resolvedConfigSchema>;
/** The `encoder` section of a resolved configuration. */
export type EncoderConfig = z.infer<typeof encoderSchema>;
/** The `data` section of a resolved configuration. */
export type DataConfig = z.infer<typeof dataSchema>;
/** The `augment` section of a resolved configuration. */
export type AugmentConfig = z.infer<typeof augmentSchema>;
/** The `train` section of a resolved configuration. */
export type TrainConfig = z.infer<typeof trainSchema>;
/** The `optimizer` section of a resolved configuration. */
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
/** The `eval` section of a resolved configuration. */
export type EvalConfig = z.infer<typeof evalSchema>;

/**
 * What a config file may hold: any part of the resolved configuration (every key optional,
 * unknown keys rejected). `method` may be a name or a section.
 *
 * @example
 * ```ts
 * const input = { method: 'simclr', train: { steps: 500 } };
 * const parsed = configFileSchema.safeParse(input);
 * if (!parsed.success) console.error(formatZodError(parsed.error, input).join('\n'));
 * ```
 */
export const configFileSchema = z
  .object({
    method: z
      .union([z.string().min(1), z.object({ name: z.string().min(1).optional() }).passthrough()])
      .optional(),
    seed: z.number().int().optional(),
    backend: z.enum(BACKENDS).optional(),
    encoder: encoderSchema.partial().strict().optional(),
    data: dataSchema.partial().strict().optional(),
    augment: augmentSchema.partial().strict().optional(),
    train: trainSchema.partial().strict().optional(),
    optimizer: optimizerSchema.partial().strict().optional(),
    eval: evalSchema
      .extend({ knn: evalSchema.shape.knn.partial().strict() })
      .partial()
      .strict()
      .optional(),
    runsDir: z.string().min(1).optional(),
  })
  .strict();

/** A parsed config file. */
export type ConfigFile = z.infer<typeof configFileSchema>;
