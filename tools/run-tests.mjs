#!/usr/bin/env node
// The README's test command: builds every package (tests import sibling packages through their
// built dist), runs each package's vitest suite through Nx, then prints one summary line
// "N passed, N failed, N skipped" summed over all packages, and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, 'package.json')),
);
const extraArgs = process.argv.slice(2);

for (const name of packages) rmSync(join(packagesDir, name, 'test-results.json'), { force: true });

const run = (args) =>
  spawnSync('npx', ['nx', ...args], { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

let exitCode = run(['run-many', '-t', 'build', '--outputStyle=static']);
if (exitCode === 0) {
  // One package at a time: vitest already spreads a package's files over the 2 cores.
  exitCode = run(['run-many', '-t', 'test', '--parallel=1', '--outputStyle=static', ...extraArgs]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const name of packages) {
  const file = join(packagesDir, name, 'test-results.json');
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.numFailedTestSuites > 0 && (report.numFailedTests ?? 0) === 0) failed += 1;
}
if (missing.length > 0) {
  console.error(`no test report from: ${missing.join(', ')} (build or test run failed)`);
  failed += missing.length;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode !== 0 || failed > 0 ? 1 : 0);
