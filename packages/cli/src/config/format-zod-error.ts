import { z, type ZodError, type ZodIssue, type ZodTypeAny } from 'zod';

function pathText(root: string, path: (string | number)[]): string {
  let s = root;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return s;
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function bound(issue: ZodIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  const value = small
    ? (issue as { minimum: number | bigint }).minimum
    : (issue as { maximum: number | bigint }).maximum;
  if (issue.type === 'array') return `a list of ${small ? 'at least' : 'at most'} ${value} item(s)`;
  if (issue.type === 'string')
    return `a string of ${small ? 'at least' : 'at most'} ${value} character(s)`;
  return `a number ${op} ${value}`;
}

/** The object schema at `path` inside `schema` (through optional, nullable, default and union), or undefined. */
function objectAt(
  schema: ZodTypeAny | undefined,
  path: (string | number)[],
): z.AnyZodObject | undefined {
  let t: ZodTypeAny | undefined = schema;
  const unwrap = (x: ZodTypeAny | undefined): ZodTypeAny | undefined => {
    let u = x;
    for (;;) {
      if (u instanceof z.ZodOptional || u instanceof z.ZodNullable) u = u.unwrap() as ZodTypeAny;
      else if (u instanceof z.ZodDefault) u = u.removeDefault() as ZodTypeAny;
      else if (u instanceof z.ZodEffects) u = u.innerType() as ZodTypeAny;
      else if (u instanceof z.ZodUnion)
        u = (u.options as ZodTypeAny[]).find((o) => unwrap(o) instanceof z.ZodObject);
      else return u;
    }
  };
  for (const p of path) {
    const o = unwrap(t);
    if (!(o instanceof z.ZodObject)) return undefined;
    t = o.shape[p] as ZodTypeAny | undefined;
  }
  const o = unwrap(t);
  return o instanceof z.ZodObject ? o : undefined;
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** ` (did you mean "steps"?)` or ` (expected one of: a, b, c)`. */
function suggest(key: string, known: string[]): string {
  if (known.length === 0) return '';
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best.d <= Math.max(1, Math.floor(key.length / 3))
    ? ` (did you mean "${best.k}"?)`
    : ` (expected one of: ${known.join(', ')})`;
}

/**
 * One line per problem of a failed zod parse: `config.optimizer.lr: expected number, received
 * string`, `config.train.stpes: unknown key (did you mean "steps"?)`. Give the schema to get
 * suggestions for unknown keys.
 *
 * @example
 * ```ts
 * const r = configFileSchema.safeParse(json);
 * if (!r.success) console.error(formatZodError(r.error, json).join('\n'));
 * ```
 */
export function formatZodError(
  error: ZodError,
  input: unknown,
  root = 'config',
  schema?: ZodTypeAny,
): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const where = pathText(root, issue.path);
    const received = valueAt(input, issue.path);
    switch (issue.code) {
      case 'invalid_type':
        lines.push(
          issue.received === 'undefined'
            ? `${where}: required, expected ${issue.expected}`
            : `${where}: expected ${issue.expected}, received ${issue.received}${received !== null && typeof received !== 'object' ? ` (${show(received)})` : ''}`,
        );
        break;
      case 'unrecognized_keys': {
        const known = Object.keys(objectAt(schema, issue.path)?.shape ?? {});
        for (const key of issue.keys) {
          lines.push(`${pathText(root, [...issue.path, key])}: unknown key${suggest(key, known)}`);
        }
        break;
      }
      case 'invalid_enum_value':
        lines.push(
          `${where}: expected one of ${issue.options.map((o) => show(o)).join(', ')}, received ${show(received)}`,
        );
        break;
      case 'invalid_literal':
        lines.push(`${where}: expected ${show(issue.expected)}, received ${show(received)}`);
        break;
      case 'invalid_union': {
        const literals = issue.unionErrors
          .flatMap((e) => e.issues)
          .filter((i): i is ZodIssue & { code: 'invalid_literal' } => i.code === 'invalid_literal')
          .map((i) => show(i.expected));
        lines.push(
          literals.length === issue.unionErrors.length
            ? `${where}: expected one of ${literals.join(', ')}, received ${show(received)}`
            : `${where}: ${issue.message.toLowerCase()}, received ${show(received)}`,
        );
        break;
      }
      case 'too_small':
      case 'too_big':
        lines.push(`${where}: expected ${bound(issue)}, received ${show(received)}`);
        break;
      case 'not_multiple_of':
        lines.push(
          `${where}: expected ${issue.multipleOf === 1 ? 'an integer' : `a multiple of ${issue.multipleOf}`}, received ${show(received)}`,
        );
        break;
      case 'invalid_string':
      case 'custom':
      default:
        lines.push(
          `${where}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}, received ${show(received)}`,
        );
    }
  }
  return lines;
}
