import * as tf from '@tensorflow/tfjs';
import { createRng, loadEncoder } from '@selfsup/core';
import {
  extractFeatures,
  fewShot,
  fineTune,
  knnClassify,
  linearProbe,
  type FeatureSet,
} from '@selfsup/eval';
import { choiceFlag, intFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { loadImageData, toLabelledData } from '../data/load-image-data';
import { BACKENDS } from '../config/schema';
import { CliError, EXIT, usageError } from '../errors';
import type { CliIO } from '../io';
import { pct } from '../run/format';
import { checkRunFolder, readResults, updateResults } from '../run/run-folder';
import { runFolderConfig, startBackend } from './shared';

const KINDS = ['linear', 'knn', 'fewshot', 'finetune'] as const;
type Kind = (typeof KINDS)[number];

/** `selfsup eval --help`. */
export function evalHelp(): string {
  return `Usage: selfsup eval linear|knn|fewshot|finetune --run <run-dir> [--data <source>] [options]

Scores the encoder of a run's newest checkpoint on labelled data (default: the run's own data
source and held-out split), prints the result and adds it to the run's results.json.

  linear     linear probe (multinomial logistic regression, weight decay chosen on a validation split)
  knn        weighted kNN on cosine similarity (InstDisc / DINO)
  fewshot    N-way K-shot episodes on the held-out split (prototypes and 1-NN, 95% interval)
  finetune   fine-tunes encoder + linear head (AdamW, layer-wise lr decay), scores the held-out split

Options:
  --run <run-dir>        a folder made by \`selfsup pretrain\` (required)
  --data <source>        mnist | fashion-mnist | folder:<path> (default: the run's)
  --train-size <n>       labelled training images (default: the run's eval.trainSize)
  --test-size <n>        held-out images (default: the run's eval.testSize)
  --k <n>                knn: neighbours (default 20)
  --ways <n> --shots <n> --queries <n> --episodes <n>
                         fewshot: episode shape (default 5-way 5-shot, 15 queries, 600 episodes)
  --epochs <n>           finetune: passes over the training images (default 1)
  --lr <x>               finetune: encoder learning rate (default 1e-4; the head gets 10x)
  --backend <name>       auto | tensorflow | wasm | cpu
  -h, --help             this help

Examples:
  selfsup eval knn --run runs/simclr-20250101-120000
  selfsup eval linear --run runs/simclr-20250101-120000 --data fashion-mnist
  selfsup eval fewshot --run runs/simclr-20250101-120000 --shots 1`;
}

/**
 * \`selfsup eval <kind>\`: scores a run's encoder with one evaluation of @selfsup/eval.
 *
 * @example
 * ```ts
 * await evalCommand(['knn', '--run', 'runs/simclr-1'], processIO());
 * ```
 */
export async function evalCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'eval',
    args,
    {
      run: { type: 'string' },
      data: { type: 'string' },
      'train-size': { type: 'string' },
      'test-size': { type: 'string' },
      k: { type: 'string' },
      ways: { type: 'string' },
      shots: { type: 'string' },
      queries: { type: 'string' },
      episodes: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      backend: { type: 'string' },
    },
    1,
  );
  if (values.help) {
    io.out(evalHelp());
    return EXIT.ok;
  }
  const kind = positionals[0] as Kind | undefined;
  if (!kind || !KINDS.includes(kind)) {
    throw usageError(
      kind
        ? `selfsup eval: unknown evaluation ${JSON.stringify(kind)}`
        : 'selfsup eval: name an evaluation',
      `one of: ${KINDS.join(', ')} (see \`selfsup eval --help\`)`,
    );
  }
  const runDir = stringFlag(values.run);
  if (!runDir)
    throw usageError(
      'selfsup eval: --run <run-dir> is required',
      'give a folder made by `selfsup pretrain`',
    );
  const data = stringFlag(values.data);
  if (
    data !== undefined &&
    !(
      data === 'mnist' ||
      data === 'fashion-mnist' ||
      (data.startsWith('folder:') && data.length > 7)
    )
  ) {
    throw usageError(
      `--data: expected mnist, fashion-mnist or folder:<path>, received ${JSON.stringify(data)}`,
    );
  }
  const k = intFlag('k', values.k);
  const fs = {
    ways: intFlag('ways', values.ways, 2),
    shots: intFlag('shots', values.shots),
    queries: intFlag('queries', values.queries),
    episodes: intFlag('episodes', values.episodes),
  };
  const epochs = intFlag('epochs', values.epochs) ?? 1;
  const lr = numberFlag('lr', values.lr) ?? 1e-4;
  const backend = choiceFlag('backend', values.backend, BACKENDS);
  await checkRunFolder(runDir, 'checkpoint');
  const config = await runFolderConfig(runDir, { data, backend });
  const trainSize = intFlag('train-size', values['train-size']) ?? config.eval.trainSize;
  const testSize = intFlag('test-size', values['test-size']) ?? config.eval.testSize;

  await startBackend(config.backend, io);
  let encoder: tf.LayersModel;
  try {
    encoder = await loadEncoder(runDir);
  } catch (e) {
    throw new CliError(
      `cannot load the encoder of ${runDir}: ${(e as Error).message}`,
      EXIT.failure,
    );
  }
  const images = await loadImageData(config.data, process.cwd(), createRng(config.seed + 1)).catch(
    (e: Error) => {
      throw new CliError(`cannot load data ${config.data.source}: ${e.message}`, EXIT.failure);
    },
  );
  const train = toLabelledData(images.train, trainSize, config.data.imageSize);
  const test = toLabelledData(images.heldOut, testSize, config.data.imageSize);
  const rng = createRng(config.seed + 31);
  const start = performance.now();
  let result: Record<string, unknown>;
  let line: string;
  let encoderDisposed = false;
  try {
    const expected = encoder.inputs[0].shape.slice(1);
    if (expected.some((d, i) => d !== null && d !== test.x.shape[i + 1])) {
      throw usageError(
        `the encoder takes images [${expected.join(', ')}] but ${config.data.source} gives [${test.x.shape.slice(1).join(', ')}]`,
      );
    }
    const features = async (split: { x: tf.Tensor; y: Int32Array }): Promise<FeatureSet> =>
      extractFeatures(encoder, split);
    if (kind === 'knn' || kind === 'linear') {
      const [ftrain, ftest] = [await features(train), await features(test)];
      if (kind === 'knn') {
        const r = await knnClassify(ftrain, ftest, { k: k ?? 20, temperature: 0.07 });
        result = { top1: r.top1, top5: r.top5, k: r.k, temperature: r.temperature };
        line = `kNN (k=${r.k}) top-1 ${pct(r.top1)}, top-5 ${pct(r.top5)}`;
      } else {
        const r = await linearProbe(ftrain, ftest, {}, rng);
        result = { top1: r.top1, top5: r.top5, weightDecay: r.weightDecay, trainTop1: r.trainTop1 };
        line = `linear probe top-1 ${pct(r.top1)}, top-5 ${pct(r.top5)} (weight decay ${r.weightDecay}, train top-1 ${pct(r.trainTop1)})`;
      }
    } else if (kind === 'fewshot') {
      const ftest = await features(test);
      const r = fewShot(ftest, ftest.labels, fs, rng);
      const { accuracies: _a, ...proto } = r.prototype;
      const { accuracies: _b, ...nn } = r.nearestNeighbour;
      void _a;
      void _b;
      result = {
        ways: r.ways,
        shots: r.shots,
        queries: r.queries,
        episodes: r.episodes,
        prototype: proto,
        nearestNeighbour: nn,
      };
      line = `${r.ways}-way ${r.shots}-shot (${r.episodes} episodes): prototypes ${pct(proto.mean)} ± ${pct(proto.ci95)}, 1-NN ${pct(nn.mean)} ± ${pct(nn.ci95)}`;
    } else {
      const numClasses = images.classNames.length;
      const head = tf.layers.dense({
        units: numClasses,
        name: 'finetune_head',
        kernelInitializer: tf.initializers.glorotUniform({ seed: config.seed }),
      });
      const r = await fineTune(
        encoder,
        head,
        { train, test },
        { encoderLr: lr, headLr: 10 * lr, epochs },
        rng,
      );
      result = {
        testTop1: r.testAccuracy,
        trainTop1: r.trainAccuracy,
        epochs,
        encoderLr: lr,
        headLr: 10 * lr,
        losses: r.losses,
      };
      line = `fine-tuned ${epochs} epoch(s): held-out top-1 ${pct(r.testAccuracy)}, train top-1 ${pct(r.trainAccuracy)}`;
      // The fine-tuned model shares the encoder's layers: disposing it frees both.
      r.model.dispose();
      encoderDisposed = true;
    }
  } finally {
    tf.dispose([train.x, test.x]);
    if (!encoderDisposed) encoder.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const previous = ((await readResults(runDir)).evaluations ?? {}) as Record<string, unknown>;
  const file = await updateResults(runDir, {
    evaluations: {
      ...previous,
      [kind]: {
        ...result,
        data: images.source,
        trainSize: train.y.length,
        testSize: test.y.length,
        seconds,
      },
    },
  });
  io.out(
    `${kind} on ${images.source} (${train.y.length} train / ${test.y.length} held-out): ${line} | ${file}`,
  );
  return EXIT.ok;
}
