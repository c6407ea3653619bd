import type { MethodEntry } from './method-entry';
import { dinoEntry } from './dino';
import { barlowTwinsEntry } from './barlow-twins';
import { byolEntry } from './byol';
import { mocoV2Entry } from './moco-v2';
import { mocoV3Entry } from './moco-v3';
import { simsiamEntry } from './simsiam';
import { vicregEntry } from './vicreg';
import { simclrEntry } from './simclr';

/**
 * Every method the CLI knows, one entry each, in the order `--help` lists them. Entries whose
 * class this build of `@selfsup/vision` does not export are listed as unavailable.
 *
 * @example
 * ```ts
 * console.log(METHODS.map((m) => m.name).join(', ')); // simclr, mocov2, ...
 * ```
 */
export const METHODS: readonly MethodEntry[] = [
  simclrEntry,
  mocoV2Entry,
  mocoV3Entry,
  byolEntry,
  simsiamEntry,
  barlowTwinsEntry,
  vicregEntry,
  dinoEntry,
];

/**
 * The methods whose class is available.
 *
 * @example
 * ```ts
 * availableMethods().map((m) => m.name); // ['simclr', 'byol', ...]
 * ```
 */
export function availableMethods(): MethodEntry[] {
  return METHODS.filter((m) => m.cls !== undefined);
}

/**
 * The entry of a method name (case-insensitive; `moco-v2`, `mocov2` and `moco_v2` are the same),
 * or undefined.
 *
 * @example
 * ```ts
 * findMethod('SimCLR')?.name; // 'simclr'
 * ```
 */
export function findMethod(name: string): MethodEntry | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  return METHODS.find((m) => norm(m.name) === norm(name));
}
