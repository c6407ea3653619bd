import * as tf from '@tensorflow/tfjs';
import { loadEncoder } from '@selfsup/core';
import { parseCommandArgs, stringFlag } from '../args';
import { CliError, EXIT, usageError } from '../errors';
import type { CliIO } from '../io';
import { exportEncoder } from '../model/export-encoder';
import { checkRunFolder } from '../run/run-folder';

/** `selfsup export --help`. */
export function exportHelp(): string {
  return `Usage: selfsup export --run <run-dir> --out <dir> [--checkpoint <checkpoint-dir>]

Writes the encoder of a run's newest valid checkpoint (or of --checkpoint) in the tfjs layers
format: <dir>/model.json and <dir>/weights.bin. selfsup's batch norms and convolutions are
written as standard BatchNormalization and Conv2D layers (with ZeroPadding2D where needed), so
plain @tensorflow/tfjs loads conv encoders (smallConvNet, ResNet):

  const model = await tf.loadLayersModel('file://<dir>/model.json');   // with tfjs-node
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
                  weightSpecs: json.weightsManifest[0].weights, weightData: weights }));  // anywhere
  const features = model.predict(images);                               // [N, D]

ViT encoders keep selfsup layers: import '@selfsup/vision' before loading them.

Options:
  --run <run-dir>          a folder made by \`selfsup pretrain\` (required)
  --out <dir>              output folder (required)
  --checkpoint <dir>       a specific checkpoint folder of the run
  -h, --help               this help`;
}

/**
 * `selfsup export`: the encoder as a plain tfjs layers model.
 *
 * @example
 * ```ts
 * await exportCommand(['--run', 'runs/simclr-1', '--out', 'exported/simclr'], processIO());
 * ```
 */
export async function exportCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('export', args, {
    run: { type: 'string' },
    out: { type: 'string' },
    checkpoint: { type: 'string' },
  });
  if (values.help) {
    io.out(exportHelp());
    return EXIT.ok;
  }
  const runDir = stringFlag(values.run);
  const out = stringFlag(values.out);
  if (!runDir || !out)
    throw usageError(
      `selfsup export: ${!runDir ? '--run' : '--out'} is required`,
      'see `selfsup export --help`',
    );
  await checkRunFolder(runDir, 'checkpoint');
  tf.env().set('PROD', true);
  let encoder: tf.LayersModel;
  try {
    encoder = await loadEncoder(stringFlag(values.checkpoint) ?? runDir);
  } catch (e) {
    throw new CliError(
      `cannot load the encoder of ${runDir}: ${(e as Error).message}`,
      EXIT.failure,
    );
  }
  try {
    const r = await exportEncoder(encoder, out);
    const shape = encoder.inputs[0].shape.slice(1).join('x');
    io.out(
      `exported ${encoder.name} (input ${shape}, output ${encoder.outputs[0].shape.slice(1).join('x')}) to ${r.modelJson} and ${r.weightsBin}`,
    );
    if (r.customClasses.length > 0) {
      io.err(
        `note: the model uses selfsup layers (${r.customClasses.join(', ')}): import '@selfsup/vision' before tf.loadLayersModel`,
      );
    }
    return EXIT.ok;
  } finally {
    encoder.dispose();
  }
}
