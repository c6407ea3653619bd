import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(`${packageDir}/dist/index.js`);

// The README's example is examples/quickstart.ts; it imports '@selfsup/core', i.e. the build.
describe.skipIf(!built)('examples/quickstart.ts (needs `npm run build` first)', () => {
  it('runs a few training steps end to end and reports its loss', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
      cwd: packageDir,
      env: { ...process.env, STEPS: '4', CI: 'true' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stderr + result.stdout).toMatch(/4 steps, final loss \d+\.\d+/);
    expect(result.status).toBe(0);
  });
});
