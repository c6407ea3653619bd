import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** What {@link exportEncoder} wrote. */
export interface ExportedEncoder {
  modelJson: string;
  weightsBin: string;
  /** Layer classes that plain tfjs does not know (`import '@selfsup/vision'` registers them). */
  customClasses: string[];
  /**
   * Layers rewritten as standard tfjs layers (selfsup batch norms as BatchNormalization,
   * convolutions as Conv2D, after a ZeroPadding2D where PyTorch's padding is not 'same').
   */
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
 * are renamed `moving_mean` / `moving_variance`. A batch norm that fuses a residual add and/or a
 * relu becomes `<name>.bn` (BatchNormalization), then an `Add` with the residual and an
 * `Activation('relu')`, the last of them keeping the original name so that the layers reading
 * it need no change. Returns the number of converted batch norms.
 */
function convertBatchNorms(
  topology: { config?: { layers?: LayerJson[] } },
  specs: tf.io.WeightsManifestEntry[],
): number {
  const layers = topology.config?.layers ?? [];
  const renamed = new Map<string, string>(); // original layer name -> BatchNormalization's
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.class_name !== 'SelfsupBatchNorm') continue;
    const c = layer.config;
    const name = String(c.name);
    const relu = c.activation === 'relu';
    const inbound = (layer.inbound_nodes as unknown[][][] | undefined) ?? [];
    const residual = inbound[0]?.length === 2 ? inbound[0][1] : undefined;
    const fused = relu || residual !== undefined;
    const bnName = fused ? `${name}.bn` : name;
    layer.class_name = 'BatchNormalization';
    layer.name = bnName;
    layer.config = {
      name: bnName,
      trainable: c.trainable ?? true,
      dtype: c.dtype ?? 'float32',
      axis: -1,
      momentum: 1 - Number(c.momentum ?? 0.1),
      epsilon: c.epsilon ?? 1e-5,
      center: c.center ?? true,
      scale: c.scale ?? true,
    };
    renamed.set(name, bnName);
    if (!fused) continue;
    layer.inbound_nodes = inbound.map((node) => [node[0]]);
    const after: LayerJson[] = [];
    let last = bnName;
    if (residual !== undefined) {
      const addName = relu ? `${name}.add` : name;
      after.push({
        name: addName,
        class_name: 'Add',
        config: { name: addName, trainable: true, dtype: 'float32' },
        inbound_nodes: [[[last, 0, 0, {}], residual]],
      });
      last = addName;
    }
    if (relu) {
      after.push({
        name,
        class_name: 'Activation',
        config: { name, trainable: true, dtype: 'float32', activation: 'relu' },
        inbound_nodes: [[[last, 0, 0, {}]]],
      });
    }
    layers.splice(i + 1, 0, ...after);
    i += after.length;
  }
  for (const spec of specs) {
    const slash = spec.name.lastIndexOf('/');
    const bnName = renamed.get(spec.name.slice(0, slash));
    if (bnName === undefined) continue;
    const leaf = spec.name.slice(slash + 1);
    const newLeaf =
      leaf === 'running_mean' ? 'moving_mean' : leaf === 'running_var' ? 'moving_variance' : leaf;
    spec.name = `${bnName}/${newLeaf}`;
  }
  return renamed.size;
}

/**
 * Rewrites selfsup's `SelfsupConv2d` layers (PyTorch padding) as tfjs's `Conv2D`: padding 0 is
 * 'valid', stride 1 with `2p = k - 1` is 'same'; any other padding gets a `ZeroPadding2D` layer
 * (`<name>.pad`) in front, which computes the same thing. Weight names are unchanged.
 */
function convertConvs(topology: { config?: { layers?: LayerJson[] } }): number {
  const layers = topology.config?.layers;
  if (layers === undefined) return 0;
  let converted = 0;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.class_name !== 'SelfsupConv2d') continue;
    const c = layer.config;
    const k = Number(c.kernel_size);
    const stride = Number(c.stride ?? 1);
    const pad = Number(c.padding ?? 0);
    let mode = 'valid';
    if (pad > 0 && stride === 1 && 2 * pad === k - 1) {
      mode = 'same';
    } else if (pad > 0) {
      const padName = `${String(c.name)}.pad`;
      layers.splice(i, 0, {
        name: padName,
        class_name: 'ZeroPadding2D',
        config: {
          name: padName,
          trainable: c.trainable ?? true,
          dtype: 'float32',
          padding: [
            [pad, pad],
            [pad, pad],
          ],
          data_format: 'channels_last',
        },
        inbound_nodes: layer.inbound_nodes,
      });
      i++;
      layer.inbound_nodes = [[[padName, 0, 0, {}]]];
    }
    layer.class_name = 'Conv2D';
    layer.config = {
      name: c.name,
      trainable: c.trainable ?? true,
      dtype: c.dtype ?? 'float32',
      filters: c.filters,
      kernel_size: [k, k],
      strides: [stride, stride],
      padding: mode,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'linear',
      use_bias: c.use_bias ?? true,
    };
    converted++;
  }
  return converted;
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
 * loads it: selfsup's batch norms become standard `BatchNormalization` layers and its
 * convolutions `Conv2D` (with `ZeroPadding2D` where needed). Encoders with
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
  const converted = convertBatchNorms(topology, specs) + convertConvs(topology);
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
