import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** What {@link exportEncoder} wrote. */
export interface ExportedEncoder {
  modelJson: string;
  weightsBin: string;
  /** Layer classes that plain tfjs does not know (`import '@selfsup/vision'` registers them). */
  customClasses: string[];
  /** Layers rewritten as standard tfjs layers (selfsup batch norms as BatchNormalization). */
  converted: number;
}

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Rewrites selfsup's `SelfsupBatchNorm` layers (PyTorch semantics) as tfjs's standard
 * `BatchNormalization`, which computes the same thing in inference mode: `gamma * (x - mean) /
 * sqrt(var + eps) + beta`. Keras' momentum is `1 - momentum` of PyTorch's; the running statistics
 * are renamed `moving_mean` / `moving_variance`. Returns the names of the converted layers.
 */
function convertBatchNorms(
  topology: { config?: { layers?: LayerJson[] } },
  specs: tf.io.WeightsManifestEntry[],
): number {
  const converted = new Set<string>();
  for (const layer of topology.config?.layers ?? []) {
    if (layer.class_name !== 'SelfsupBatchNorm') continue;
    const c = layer.config;
    layer.class_name = 'BatchNormalization';
    layer.config = {
      name: c.name,
      trainable: c.trainable ?? true,
      dtype: c.dtype ?? 'float32',
      axis: -1,
      momentum: 1 - Number(c.momentum ?? 0.1),
      epsilon: c.epsilon ?? 1e-5,
      center: c.center ?? true,
      scale: c.scale ?? true,
    };
    converted.add(String(c.name));
  }
  for (const spec of specs) {
    const slash = spec.name.lastIndexOf('/');
    if (!converted.has(spec.name.slice(0, slash))) continue;
    const leaf = spec.name.slice(slash + 1);
    if (leaf === 'running_mean') spec.name = `${spec.name.slice(0, slash)}/moving_mean`;
    else if (leaf === 'running_var') spec.name = `${spec.name.slice(0, slash)}/moving_variance`;
  }
  return converted.size;
}

function layerClasses(topology: unknown): string[] {
  const out = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o.class_name === 'string') out.add(o.class_name);
      Object.values(o).forEach(visit);
    }
  };
  visit(topology);
  return [...out];
}

/**
 * Saves an encoder in the tfjs layers format (`model.json` + `weights.bin`) so that plain tfjs
 * loads it: selfsup's batch norms become standard `BatchNormalization` layers. Encoders with
 * other selfsup layers (ViT) keep them; loading those needs `import '@selfsup/vision'` first.
 *
 * @example
 * ```ts
 * await exportEncoder(encoder, 'exported/simclr');
 * const model = await tf.loadLayersModel(
 *   tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights }),
 * );
 * ```
 */
export async function exportEncoder(
  encoder: tf.LayersModel,
  outDir: string,
): Promise<ExportedEncoder> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await encoder.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const topology = JSON.parse(JSON.stringify(a.modelTopology)) as {
    config?: { layers?: LayerJson[] };
  };
  const specs = (a.weightSpecs ?? []).map((s) => ({ ...s }));
  const converted = convertBatchNorms(topology, specs);
  const customClasses = layerClasses(topology).filter((c) => c.startsWith('Selfsup'));
  const weightData =
    a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  await fs.mkdir(outDir, { recursive: true });
  const modelJson = path.join(outDir, 'model.json');
  const weightsBin = path.join(outDir, 'weights.bin');
  await fs.writeFile(weightsBin, new Uint8Array(weightData));
  await fs.writeFile(
    modelJson,
    JSON.stringify({
      modelTopology: topology,
      format: 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: 'selfsup export',
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    }),
  );
  return { modelJson, weightsBin, customClasses, converted };
}
