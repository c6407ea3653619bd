import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * node:util `parseArgs` in strict mode, with its errors turned into usage errors (exit code 2)
 * that name the command and point to its `--help`.
 *
 * @example
 * ```ts
 * const { values } = parseCommandArgs('export', argv, { run: { type: 'string' }, out: { type: 'string' } });
 * ```
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  options: Options,
  maxPositionals = 0,
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = (e as Error).message
      .replace(/^Unknown option '(.*?)'.*$/s, 'unknown option $1')
      .replace(/^Option '(.*?)' argument missing.*$/s, 'option $1 needs a value')
      .replace(/\. To specify a positional argument.*$/s, '');
    throw usageError(`selfsup ${command}: ${message}`, `see \`selfsup ${command} --help\``);
  }
  if (!parsed.values.help && parsed.positionals.length > maxPositionals) {
    throw usageError(
      `selfsup ${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`,
      `see \`selfsup ${command} --help\``,
    );
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

/** A flag's value as a positive integer (or undefined), or a usage error naming the flag. */
export function intFlag(
  name: string,
  value: string | boolean | undefined,
  min = 1,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw usageError(`--${name}: expected an integer >= ${min}, received ${JSON.stringify(value)}`);
  }
  return n;
}

/** A flag's value as a positive number (or undefined), or a usage error naming the flag. */
export function numberFlag(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usageError(`--${name}: expected a number > 0, received ${JSON.stringify(value)}`);
  }
  return n;
}

/** A flag's value as one of `choices`, or a usage error listing them. */
export function choiceFlag<T extends string>(
  name: string,
  value: string | boolean | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw usageError(
      `--${name}: expected one of ${choices.join(', ')}, received ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** A string flag's value (or undefined). */
export function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
