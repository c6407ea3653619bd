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

/** The first lines of a failure message, enough to name the cause in the summary. */
function firstLines(message, count = 6) {
  return message.split('\n').slice(0, count).join('\n    ').trim();
}

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
const failures = [];
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
  for (const file of report.testResults ?? []) {
    const where = `${name}/${file.name.replace(/^.*\/packages\/[^/]+\//, '')}`;
    if (
      file.status === 'failed' &&
      (file.assertionResults ?? []).every((a) => a.status !== 'failed')
    )
      failures.push(`${where}: ${firstLines(file.message ?? '')}`);
    for (const test of file.assertionResults ?? [])
      if (test.status === 'failed')
        failures.push(
          `${where} > ${test.fullName}: ${firstLines(test.failureMessages.join('\n'))}`,
        );
  }
}
// Repeated after all the output: a CI log is often shown only by its tail.
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `- ${f}`).join('\n')}`);
if (missing.length > 0) {
  console.error(`no test report from: ${missing.join(', ')} (build or test run failed)`);
  failed += missing.length;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode !== 0 || failed > 0 ? 1 : 0);
