// The flags of `procpool worker` (docs/cli.md): a table of their own, as map's
// and exec's share few of them and none of their exit codes.
import os from 'node:os';
import path from 'node:path';
import { helpText, parseFlags, type Flag } from './args.js';
import { checkRedisUrl } from './redis-url.js';
import { UsageError } from './usage-error.js';
import { duration, loadParsers, positiveInteger, size } from './values.js';

/** BullMQ's 30 s would leave a dead machine's jobs untouched for up to a minute (API.md §15). */
const LOCK_DURATION = 4000;
const STALLED_INTERVAL = 2000;
const CONNECT_TIMEOUT = 10_000;

const FLAGS: readonly Flag[] = [
  {
    name: 'redis',
    kind: 'string',
    value: 'URL',
    help: 'redis://[user:password@]host[:port][/db] (default: $REDIS_URL)',
  },
  { name: 'queue', kind: 'string', value: 'NAME', help: "the queue's name, as the DistributedPool's (required)" },
  {
    name: 'jobs',
    kind: 'string',
    short: 'j',
    value: 'N',
    help: 'worker processes, so jobs run at once (default: the available parallelism)',
  },
  { name: 'max-tasks-per-child', kind: 'string', value: 'N', help: 'replace a worker process after N jobs' },
  { name: 'max-memory', kind: 'string', value: 'SIZE', help: 'replace a worker process above this RSS (500MB, 2GiB)' },
  {
    name: 'timeout',
    kind: 'string',
    value: 'DURATION',
    help: 'fail a job running longer (30s, 500ms, 1m30s); its process is killed',
  },
  {
    name: 'lock-duration',
    kind: 'string',
    value: 'DURATION',
    help: "how long a job's lock lasts unless renewed (default 4s)",
  },
  {
    name: 'stalled-interval',
    kind: 'string',
    value: 'DURATION',
    help: 'how often to look for jobs whose lock expired (default 2s)',
  },
  {
    name: 'connect-timeout',
    kind: 'string',
    value: 'DURATION',
    help: 'give up when Redis cannot be reached for this long at start (default 10s)',
  },
  {
    name: 'reconnect-timeout',
    kind: 'string',
    value: 'DURATION',
    help: 'exit (code 1) when Redis is away this long once connected (default: never)',
  },
  {
    name: 'allow-module',
    kind: 'string',
    value: 'PATH|PACKAGE',
    multiple: true,
    help: 'run only tasks of modules under this directory, this file or package (repeatable; default: any)',
  },
  {
    name: 'name',
    kind: 'string',
    value: 'NAME',
    help: 'its name in messages and remote tracebacks (default: HOST:PID)',
  },
  { name: 'help', kind: 'boolean', short: 'h', help: 'show this help' },
];

export interface WorkerOptions {
  /** The Redis URL as given (with its password: show it through redactUrl only). */
  readonly redis: string;
  readonly queue: string;
  readonly jobs: number;
  readonly maxTasksPerChild: number | undefined;
  readonly maxMemory: number | undefined;
  readonly timeout: number | undefined;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly connectTimeout: number;
  /** Infinity: keep trying for as long as Redis is away. */
  readonly reconnectTimeout: number;
  readonly name: string | undefined;
  /** Absolute paths and package names; undefined: any module. */
  readonly allowModules: readonly string[] | undefined;
}

const USAGE =
  'usage: procpool worker --redis URL --queue NAME [options]\n\n' +
  'Takes the jobs of a DistributedPool (@procpool/bullmq) from its BullMQ queue in Redis\n' +
  'and runs each in a pool of worker processes here; start one on each machine.\n' +
  'SIGTERM or SIGINT: takes no new job, finishes the running ones, exits 0. A second\n' +
  'signal: stops at once; its running jobs go back to the queue for another worker.\n' +
  'The job of a worker that died runs again after about --lock-duration + --stalled-interval.\n';

const EXIT_CODES =
  'Exit codes: 0 stopped by a signal once its jobs were done, 1 Redis could not be reached\n' +
  '(at start, or for --reconnect-timeout later), 2 usage error, 130 (SIGINT) or 143 (SIGTERM)\n' +
  'stopped at once by a second signal.\n' +
  'More: docs/cli.md\n';

export const workerHelp = (): string => helpText(USAGE, FLAGS, EXIT_CODES);

/** Parses `procpool worker …`; returns 'help' when its help was asked for. */
export async function parseWorker(args: readonly string[]): Promise<WorkerOptions | 'help'> {
  const { values, positionals } = parseFlags(FLAGS, args);
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const string = (name: string): string | undefined => values[name] as string | undefined;
  const redis = string('redis') ?? (process.env.REDIS_URL === '' ? undefined : process.env.REDIS_URL);
  if (redis === undefined) throw new UsageError('worker needs --redis URL (or REDIS_URL in the environment)');
  const queue = string('queue');
  if (queue === undefined || queue === '') throw new UsageError('worker needs --queue NAME');
  // BullMQ builds its Redis keys as bull:QUEUE:…
  if (queue.includes(':')) throw new UsageError(`--queue must not contain ':', got '${queue}'`);
  const name = string('name');
  // BullMQ and the remote tracebacks show it as one word.
  if (name !== undefined && (name === '' || /\s/.test(name))) {
    throw new UsageError(`--name must be a non-empty word without spaces, got '${name}'`);
  }
  const measured = [
    'max-memory',
    'timeout',
    'lock-duration',
    'stalled-interval',
    'connect-timeout',
    'reconnect-timeout',
  ];
  if (measured.some((flag) => values[flag] !== undefined)) await loadParsers();
  return {
    redis: checkRedisUrl(redis),
    queue,
    jobs: positiveInteger(string('jobs'), '--jobs') ?? os.availableParallelism(),
    maxTasksPerChild: positiveInteger(string('max-tasks-per-child'), '--max-tasks-per-child'),
    maxMemory: size(string('max-memory'), '--max-memory'),
    timeout: duration(string('timeout'), '--timeout'),
    lockDuration: duration(string('lock-duration'), '--lock-duration') ?? LOCK_DURATION,
    stalledInterval: duration(string('stalled-interval'), '--stalled-interval') ?? STALLED_INTERVAL,
    connectTimeout: duration(string('connect-timeout'), '--connect-timeout') ?? CONNECT_TIMEOUT,
    reconnectTimeout: duration(string('reconnect-timeout'), '--reconnect-timeout') ?? Infinity,
    name,
    allowModules: allowModules(values['allow-module'] as string[] | undefined),
  };
}

// A path is taken from the working directory; anything else is a package name.
function allowModules(given: string[] | undefined): string[] | undefined {
  return given?.map((entry) => {
    if (entry === '') throw new UsageError('--allow-module needs a path or a package name');
    return entry.startsWith('.') || path.isAbsolute(entry) ? path.resolve(entry) : entry;
  });
}
