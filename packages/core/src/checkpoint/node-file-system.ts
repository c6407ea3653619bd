import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDurable } from './internal/files';

/** Name of the weights file written next to `model.json`. */
const WEIGHTS = 'weights.bin';

/**
 * A tfjs IO handler that saves a model into a folder as `model.json` + `weights.bin` (the
 * format of tfjs's own file and HTTP handlers, so the folder can be served and loaded with
 * `tf.loadLayersModel('https://.../model.json')`) and loads it back, with `node:fs`. Works on every
 * backend: tfjs's `file://` handler exists only in tfjs-node.
 *
 * @example
 * ```ts
 * await model.save(nodeFileSystem('out/encoder'));
 * const again = await tf.loadLayersModel(nodeFileSystem('out/encoder'));
 * ```
 */
export function nodeFileSystem(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(
          'nodeFileSystem: binary (protobuf) model topologies are not supported; save a LayersModel',
        );
      }
      await fs.mkdir(dir, { recursive: true });
      const weightData =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined)
        modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined)
        modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.modelInitializer !== undefined)
        modelJson.modelInitializer = artifacts.modelInitializer;
      await writeDurable(path.join(dir, WEIGHTS), new Uint8Array(weightData));
      const json = JSON.stringify(modelJson);
      await writeDurable(path.join(dir, 'model.json'), json);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
          weightDataBytes: weightData.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = path.join(dir, 'model.json');
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(jsonFile, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`nodeFileSystem: cannot read ${jsonFile}: ${(e as Error).message}`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.join(dir, p);
            const bytes = await fs.readFile(file).catch((e: Error) => {
              throw new Error(`nodeFileSystem: cannot read weights ${file}: ${e.message}`);
            });
            buffers.push(
              bytes.buffer.slice(
                bytes.byteOffset,
                bytes.byteOffset + bytes.byteLength,
              ) as ArrayBuffer,
            );
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
