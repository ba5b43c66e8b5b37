import os from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';
import { duration, integer, loadParsers, positiveInteger, size } from './values.js';

type CommandName = 'map' | 'exec';
type Kind = 'string' | 'boolean';

/** One flag of a command: its --help row and its util.parseArgs entry. */
export interface Flag {
  readonly name: string;
  readonly kind: Kind;
  readonly short?: string;
  /** What the value is, in the help: `N`, `FILE`, `DURATION`, … */
  readonly value?: string;
  readonly help: string;
  readonly only?: CommandName;
  /** May be given more than once: its value is the list. */
  readonly multiple?: true;
}

// The flags, in the order --help lists them. util.parseArgs does the parsing:
// Node's own, so `procpool --help` loads no parser (docs/cli.md).
const FLAGS: readonly Flag[] = [
  {
    name: 'input',
    kind: 'string',
    short: 'i',
    value: 'FILE',
    help: 'read input lines from FILE (default: stdin; - is stdin)',
  },
  { name: 'output', kind: 'string', short: 'o', value: 'FILE', help: 'write output lines to FILE (default: stdout)' },
  {
    name: 'jobs',
    kind: 'string',
    short: 'j',
    value: 'N',
    help: 'tasks run at once (default: the available parallelism)',
  },
  { name: 'lines', kind: 'boolean', only: 'map', help: 'pass each input line as a string, not as JSON' },
  { name: 'spread', kind: 'boolean', only: 'map', help: 'each input line is a JSON array: the arguments' },
  { name: 'unordered', kind: 'boolean', help: 'write results as they complete, not in input order' },
  {
    name: 'chunksize',
    kind: 'string',
    value: 'N',
    only: 'map',
    help: 'input lines sent to a worker as one task (default 1)',
  },
  { name: 'shell', kind: 'boolean', only: 'exec', help: 'run the command line through /bin/sh (values are quoted)' },
  { name: 'passthrough', kind: 'boolean', only: 'exec', help: "write each command's own stdout and stderr, whole" },
  {
    name: 'timeout',
    kind: 'string',
    value: 'DURATION',
    help: 'fail a task running longer (30s, 500ms, 1m30s); its process is killed',
  },
  { name: 'retries', kind: 'string', value: 'N', help: 'run a failed input again up to N more times (default 0)' },
  {
    name: 'max-tasks-per-child',
    kind: 'string',
    value: 'N',
    help: 'replace a worker process after N tasks (exec: each command is a process of its own already)',
  },
  {
    name: 'max-memory',
    kind: 'string',
    value: 'SIZE',
    help: 'replace a worker (exec: kill a command) above this RSS (500MB, 2GiB)',
  },
  { name: 'resume', kind: 'boolean', help: 'skip inputs whose index is already in --output, and append' },
  { name: 'fail-fast', kind: 'boolean', help: 'stop at the first failure: kill running tasks, exit 1' },
  { name: 'quiet', kind: 'boolean', short: 'q', help: 'no progress and no summary on stderr' },
  {
    name: 'progress-interval',
    kind: 'string',
    value: 'DURATION',
    help: 'time between status lines when stderr is not a terminal (default 10s)',
  },
  { name: 'help', kind: 'boolean', short: 'h', help: 'show this help' },
];

interface CommonOptions {
  readonly input: string | undefined;
  readonly output: string | undefined;
  readonly jobs: number;
  readonly unordered: boolean;
  readonly timeout: number | undefined;
  readonly retries: number;
  readonly maxTasksPerChild: number | undefined;
  readonly maxMemory: number | undefined;
  readonly resume: boolean;
  readonly failFast: boolean;
  readonly quiet: boolean;
  readonly progressInterval: number;
}

export interface MapOptions extends CommonOptions {
  readonly command: 'map';
  /** `MODULE#EXPORT` as given. */
  readonly task: string;
  readonly input_: 'json' | 'lines' | 'spread';
  readonly chunksize: number;
}

export interface ExecOptions extends CommonOptions {
  readonly command: 'exec';
  /** The command and its arguments, with `{}` replacements still in them. */
  readonly argv: readonly string[];
  readonly shell: boolean;
  readonly passthrough: boolean;
}

export type Options = MapOptions | ExecOptions;

const flagsOf = (command: CommandName): Flag[] =>
  FLAGS.filter((flag) => flag.only === undefined || flag.only === command);

/** The help text of one command. */
export function commandHelp(command: CommandName): string {
  const usage =
    command === 'map'
      ? 'usage: procpool map MODULE#EXPORT [options]\n\n' +
        'Runs EXPORT of MODULE on each input line (a JSON value) in a pool of worker\n' +
        'processes; writes one JSON line per input: {"index","value"} or {"index","error"}.\n'
      : 'usage: procpool exec [options] [--] COMMAND [ARGS...]\n\n' +
        'Runs COMMAND once per input line, {} in ARGS replaced by the line ({.} without its\n' +
        'extension, {/} its basename, {//} its directory, {/.} both, {#} its number from 1,\n' +
        '{%} the job slot running it, 1 to --jobs); without any, the line is the last argument.\n' +
        'Writes one JSON line per input:\n' +
        '{"index","exitCode","signal","stdout","stderr"} (or with --passthrough, the output).\n';
  return helpText(usage, flagsOf(command), EXIT_CODES);
}

/** A command's help: its usage, a row per flag, and what follows (exit codes). */
export function helpText(usage: string, flags: readonly Flag[], after: string): string {
  const rows = flags.map((flag) => {
    const names = `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${flag.name}`;
    return [flag.value === undefined ? names : `${names} ${flag.value}`, flag.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `${usage}\noptions:\n${rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`).join('\n')}\n\n${after}`;
}

const EXIT_CODES =
  'Exit codes: 0 all succeeded, 1 some failed, 2 usage error, 130 SIGINT (143 SIGTERM,\n' +
  '129 SIGHUP), 141 when the reader of stdout went away.\nMore: docs/cli.md\n';

export const GENERAL_HELP =
  'usage: procpool COMMAND [options]\n\n' +
  'commands:\n' +
  '  map MODULE#EXPORT     run a task module on each input line, in worker processes\n' +
  '  exec -- CMD ARGS...   run a command for each input line\n' +
  "  worker --redis URL    run a DistributedPool's jobs (a BullMQ queue) in worker processes\n\n" +
  '  procpool COMMAND --help   the options of a command\n' +
  '  procpool --version        the version\n';

// exec's command starts at `--` or at its first word that is not an option
// of ours (as with env, nice or xargs), so its own flags are never ours.
function splitCommand(args: readonly string[]): [string[], string[]] {
  const takesValue = new Set(
    flagsOf('exec').flatMap((flag) =>
      flag.kind === 'string' ? [`--${flag.name}`, ...(flag.short === undefined ? [] : [`-${flag.short}`])] : [],
    ),
  );
  const shortWithValue = new Set(
    flagsOf('exec').flatMap((flag) => (flag.kind === 'string' && flag.short !== undefined ? [flag.short] : [])),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [args.slice(0, i), args.slice(i + 1)];
    if (!arg.startsWith('-') || arg === '-') return [args.slice(0, i), args.slice(i)];
    if (takesValue.has(arg)) i++;
    // A cluster such as -qj 4 ends with a flag whose value is the next word (-qj4 holds it).
    else if (
      !arg.startsWith('--') &&
      shortWithValue.has(arg.at(-1)!) &&
      ![...arg.slice(1, -1)].some((c) => shortWithValue.has(c))
    )
      i++;
  }
  return [[...args], []];
}

/** Parses ARGS against FLAGS with util.parseArgs; its errors become one-line usage errors. */
export function parseFlags(
  flags: readonly Flag[],
  args: readonly string[],
): { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] } {
  const options = Object.fromEntries(
    flags.map((flag) => [
      flag.name,
      {
        type: flag.kind,
        ...(flag.short === undefined ? {} : { short: flag.short }),
        ...(flag.multiple === undefined ? {} : { multiple: true }),
      },
    ]),
  );
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    // A value that starts with '-' (--retries -1) looks like a flag to Node: say how to give it.
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec((error as Error).message);
    if (ambiguous !== null) {
      throw new UsageError(`${ambiguous[1]} needs a value; one that starts with '-' is written ${ambiguous[1]}=VALUE`);
    }
    // Node's messages carry a hint about '--' that does not apply here; keep the first sentence.
    throw new UsageError(
      String((error as Error).message)
        .split(/\.(?:\s|$)/)[0]!
        .trim(),
    );
  }
}

/** Parses `procpool COMMAND …`; returns 'help' when the command's help was asked for. */
export async function parseCommand(command: CommandName, args: readonly string[]): Promise<Options | 'help'> {
  const [own, argv] = command === 'exec' ? splitCommand(args) : [[...args], []];
  const { values, positionals } = parseFlags(flagsOf(command), own);
  if (values.help === true) return 'help';
  if (['timeout', 'max-memory', 'progress-interval'].some((name) => values[name] !== undefined)) await loadParsers();
  const common = commonOptions(values);
  if (command === 'map') {
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0 ? 'map needs a task: MODULE#EXPORT' : `unexpected argument '${positionals[1]}'`,
      );
    }
    const task = positionals[0]!;
    if (!/^.+#[^#]+$/.test(task)) throw new UsageError(`the task must be MODULE#EXPORT, got '${task}'`);
    if (values.lines === true && values.spread === true)
      throw new UsageError('--lines and --spread cannot be used together');
    const input_ = values.lines === true ? 'lines' : values.spread === true ? 'spread' : 'json';
    return {
      ...common,
      command,
      task,
      input_,
      chunksize: positiveInteger(values.chunksize as string | undefined, '--chunksize') ?? 1,
    };
  }
  if (argv.length === 0) throw new UsageError('exec needs a command: procpool exec [options] -- COMMAND [ARGS...]');
  if (values.passthrough === true && common.resume) {
    throw new UsageError('--resume reads indices from JSON output lines, which --passthrough does not write');
  }
  return { ...common, command, argv, shell: values.shell === true, passthrough: values.passthrough === true };
}

function commonOptions(values: Record<string, unknown>): CommonOptions {
  const string = (name: string): string | undefined => values[name] as string | undefined;
  const resume = values.resume === true;
  const output = string('output');
  if (resume && (output === undefined || output === '-'))
    throw new UsageError('--resume needs --output FILE: the output it continues');
  return {
    input: string('input') === '-' ? undefined : string('input'),
    output: output === '-' ? undefined : output,
    jobs: positiveInteger(string('jobs'), '--jobs') ?? os.availableParallelism(),
    unordered: values.unordered === true,
    timeout: duration(string('timeout'), '--timeout'),
    retries: integer(string('retries'), '--retries', 0) ?? 0,
    maxTasksPerChild: positiveInteger(string('max-tasks-per-child'), '--max-tasks-per-child'),
    maxMemory: size(string('max-memory'), '--max-memory'),
    resume,
    failFast: values['fail-fast'] === true,
    quiet: values.quiet === true,
    progressInterval: duration(string('progress-interval'), '--progress-interval') ?? 10_000,
  };
}
