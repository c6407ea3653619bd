/**
 * @selfsup/cli: the `selfsup` command (pretrain, eval, export, report, demo) and the pieces it is
 * made of, for scripts that drive it in-process.
 * @packageDocumentation
 */
export { main, mainHelp, VERSION } from './main';
export { EXIT, CliError, usageError } from './errors';
export type { CliIO } from './io';
export { processIO } from './io';
export {
  resolvedConfigSchema,
  configFileSchema,
  type ResolvedConfig,
  type ConfigFile,
  type EncoderConfig,
  type DataConfig,
  type AugmentConfig,
  type TrainConfig,
  type OptimizerConfig,
  type EvalConfig,
} from './config/schema';
export { formatZodError } from './config/format-zod-error';
export { loadConfigFile, type LoadedConfigFile } from './config/load-config-file';
export { resolveConfig, methodDefaults, type ConfigOverrides } from './config/resolve-config';
export { METHODS, availableMethods, findMethod } from './methods/registry';
export {
  defineMethod,
  disposeMethod,
  type MethodEntry,
  type MethodSpec,
  type PaperRecipe,
  type ViewsBatch,
  type ViewsRecipe,
} from './methods/method-entry';
export { buildEncoder } from './model/build-encoder';
export { exportEncoder, type ExportedEncoder } from './model/export-encoder';
export { buildOptimizer, type BuiltOptimizer, type RunShape } from './run/build-optimizer';
export { loadImageData, toLabelledData, type ImageData } from './data/load-image-data';
export { viewsDataset, type ViewsDatasetOptions } from './data/build-views';
export { runPretraining, type PretrainOutcome, type PretrainRunOptions } from './run/pretrain-run';
export { evaluateRun, type RunEvaluation, type Scores } from './run/evaluate-run';
export { DEMO_CONFIG } from './commands/demo';
