import * as tf from '@tensorflow/tfjs';
import { demoCommand, demoHelp } from './commands/demo';
import { evalCommand, evalHelp } from './commands/eval';
import { exportCommand, exportHelp } from './commands/export';
import { pretrainCommand, pretrainHelp } from './commands/pretrain';
import { reportCommand, reportHelp } from './commands/report';
import { CliError, EXIT } from './errors';
import { processIO, type CliIO } from './io';

/**
 * The version printed by `selfsup --version`.
 *
 * @example
 * ```ts
 * console.log(`selfsup ${VERSION}`);
 * ```
 */
export const VERSION = '0.1.0';

const COMMANDS: Record<
  string,
  { run: (args: string[], io: CliIO) => Promise<number>; help: () => string; summary: string }
> = {
  pretrain: {
    run: pretrainCommand,
    help: pretrainHelp,
    summary: 'pretrain an encoder with a self-supervised method',
  },
  eval: {
    run: evalCommand,
    help: evalHelp,
    summary: "score a run's encoder: linear | knn | fewshot | finetune",
  },
  export: {
    run: exportCommand,
    help: exportHelp,
    summary: "write a run's encoder as a plain tfjs layers model",
  },
  report: { run: reportCommand, help: reportHelp, summary: "write a run's HTML report" },
  demo: {
    run: demoCommand,
    help: demoHelp,
    summary: 'the main job: SimCLR on MNIST in 5 minutes, scored against baselines',
  },
};

/**
 * The text of `selfsup --help`.
 *
 * @example
 * ```ts
 * process.stdout.write(mainHelp());
 * ```
 */
export function mainHelp(): string {
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
    .join('\n');
  return `selfsup ${VERSION}: self-supervised learning for TypeScript on TensorFlow.js

Usage: selfsup <command> [options]

Commands:
${list}

Run \`selfsup <command> --help\` for its options. Examples:
  selfsup demo
  selfsup pretrain simclr --data mnist --minutes 10
  selfsup eval linear --run runs/simclr-20250101-120000
  selfsup export --run runs/simclr-20250101-120000 --out exported/simclr

Exit codes: 0 success, 1 failure during a run, 2 bad usage or config, 130 interrupted.
Environment: SELFSUP_BACKEND=auto|tensorflow|wasm|cpu, CI=1 (plain progress lines).`;
}

/**
 * Runs the `selfsup` command line and returns its exit code (it never calls `process.exit`):
 * 0 success, 1 failure during a run, 2 bad usage or config, 130 interrupted. Errors are printed as
 * one message with a hint of what to do, without a stack trace (set `SELFSUP_DEBUG=1` for it).
 *
 * @example
 * ```ts
 * import { main } from '@selfsup/cli';
 * process.exitCode = await main(['pretrain', 'simclr', '--steps', '100']);
 * ```
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [command, ...rest] = argv;
  // No tfjs banner about tfjs-node: initBackend says which backend runs and why.
  if (!(io.env ?? process.env).SELFSUP_DEBUG) tf.env().set('PROD', true);
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      io.out(topic && COMMANDS[topic] ? COMMANDS[topic].help() : mainHelp());
      return EXIT.ok;
    }
    if (command === '--version' || command === '-v') {
      io.out(VERSION);
      return EXIT.ok;
    }
    const cmd = COMMANDS[command];
    if (!cmd) {
      io.err(`error: unknown command ${JSON.stringify(command)}`);
      io.err(`hint: one of ${Object.keys(COMMANDS).join(', ')}; see \`selfsup --help\``);
      return EXIT.usage;
    }
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`error: ${e.message}`);
      if (e.hint) io.err(`hint: ${e.hint}`);
      return e.exitCode;
    }
    const err = e as Error;
    io.err(`error: ${err?.message ?? String(e)}`);
    if ((io.env ?? process.env).SELFSUP_DEBUG) io.err(err?.stack ?? '');
    else
      io.err(
        'hint: this is a bug or an environment problem; rerun with SELFSUP_DEBUG=1 for the stack trace and report it',
      );
    return EXIT.failure;
  }
}
