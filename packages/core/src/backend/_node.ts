/**
 * Module loading that works from both builds of this package (tsup emits ESM and CJS) and from
 * vitest: the ESM build (and vitest) make a `require` from the module's own URL; in the CJS build
 * `import.meta` is empty (esbuild warns about it) and the real `require` is used. The test is on
 * `import.meta.url`, not on `typeof require`: esbuild's ESM output defines a `require` stand-in
 * that only throws "Dynamic require ... is not supported".
 * Internal to src/backend.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

let cachedRequire: NodeRequire | undefined;

/** A CommonJS `require` usable from the ESM and the CJS build alike. */
export function nodeRequire(): NodeRequire {
  if (cachedRequire === undefined) {
    const here: string | undefined = import.meta.url;
    cachedRequire = here !== undefined ? createRequire(here) : require;
  }
  return cachedRequire;
}

/** The loaded `@tensorflow/tfjs-backend-wasm` module (registers the 'wasm' backend and its kernels). */
export type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

/**
 * Loads `@tensorflow/tfjs-backend-wasm` on demand. Importing it registers 'wasm' with a higher
 * priority than 'cpu', so loading it eagerly would change tfjs's default backend for every user of
 * `@selfsup/core`, even those who never call `initBackend`.
 */
export function loadWasmModule(): WasmModule {
  return nodeRequire()('@tensorflow/tfjs-backend-wasm') as WasmModule;
}

/**
 * The folder holding the `.wasm` binaries (with a trailing separator, as `setWasmPaths` expects),
 * resolved from the installed package so it is right wherever npm put it.
 */
export function wasmDistDir(): string {
  const pkgJson = nodeRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}
