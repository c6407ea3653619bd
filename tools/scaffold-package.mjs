// Creates the standard files of a workspace package (used once per package; kept for new packages).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, depsArg = ''] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: node tools/scaffold-package.mjs <name> <description> [dep1,dep2]');
  process.exit(2);
}
const dir = join('packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });
const internal = depsArg ? depsArg.split(',') : [];
const write = (file, text) => {
  if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), text);
};
const pkg = {
  name: `@selfsup/${name}`,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md'],
  sideEffects: false,
  scripts: {
    build: 'tsup',
    test: 'vitest run',
    typecheck: 'tsc --noEmit -p tsconfig.json',
    lint: 'eslint src',
  },
  dependencies: Object.fromEntries(internal.map((d) => [`@selfsup/${d}`, '^0.1.0'])),
  publishConfig: { access: 'public' },
};
write('package.json', JSON.stringify(pkg, null, 2) + '\n');
write(
  'tsconfig.json',
  JSON.stringify(
    { extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src' }, include: ['src'] },
    null,
    2,
  ) + '\n',
);
write(
  'tsup.config.ts',
  `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
`,
);
write(
  'vitest.config.ts',
  `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
`,
);
write('src/index.ts', `export const PACKAGE_NAME = '@selfsup/${name}';\n`);
write('README.md', `# @selfsup/${name}\n\n${description}\n`);
console.log(`scaffolded ${dir}`);
