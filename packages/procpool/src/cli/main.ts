#!/usr/bin/env node
// The `procpool` command (docs/cli.md). This file loads nothing but the
// argument parser: a command's code, the pool and execa load only when that
// command runs, so `procpool --help` starts in about a bare Node's time.
import { readFileSync } from 'node:fs';
import { GENERAL_HELP, commandHelp, parseCommand } from './args.js';
import { UsageError } from './usage-error.js';

// A closed stderr (or stdout, for --help) must not end a run: status lines and
// notices are lost, the output is not (its writes report their own errors).
process.stderr.on('error', () => {});
process.stdout.on('error', () => {});

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--version' || command === '-V') {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(GENERAL_HELP);
    return 0;
  }
  if (command === 'worker') {
    const { parseWorker, workerHelp } = await import('./worker-args.js');
    const options = await parseWorker(rest);
    if (options === 'help') {
      process.stdout.write(workerHelp());
      return 0;
    }
    const { runWorker } = await import('./worker-command.js');
    return runWorker(options);
  }
  if (command !== 'map' && command !== 'exec') {
    throw new UsageError(
      command === undefined ? 'a command is needed: map, exec or worker' : `unknown command '${command}'`,
    );
  }
  const options = await parseCommand(command, rest);
  if (options === 'help') {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const [{ run }, backend] = await Promise.all([
    import('./run.js'),
    options.command === 'map'
      ? import('./map.js').then(({ MapBackend }) => new MapBackend(options))
      : import('./exec.js').then(({ ExecBackend }) => new ExecBackend(options)),
  ]);
  return run(options, backend);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      const command = process.argv[2];
      const help =
        command === 'map' || command === 'exec' || command === 'worker'
          ? `procpool ${command} --help`
          : 'procpool --help';
      process.stderr.write(`procpool: ${error.message} (see ${help})\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`procpool: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
