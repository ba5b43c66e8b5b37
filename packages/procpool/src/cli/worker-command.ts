// `procpool worker`: createWorker from @procpool/bullmq until a signal. Loaded
// by main.ts for this command only, and it loads @procpool/bullmq (BullMQ,
// ~100 ms) only once its flags are good: `procpool --help` and map never do.
import type { WorkerOptions } from './worker-args.js';
import { hideSecrets, redactUrl } from './redis-url.js';

type Stop = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number, as a shell reports a process it ended. */
const EXIT_BY: Record<Stop, number> = { SIGINT: 130, SIGTERM: 143 };

const messageOf = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]!}` : String(error);

/** Runs the worker until SIGINT or SIGTERM; returns the exit code (the flags are checked already). */
export async function runWorker(options: WorkerOptions): Promise<number> {
  let prefix = options.name === undefined ? 'procpool worker' : `procpool worker ${options.name}`;
  // Every line goes through here: nothing printed may hold the Redis password.
  const say = (text: string): void =>
    void process.stderr.write(`${hideSecrets(`${prefix}: ${text}`, options.redis)}\n`);
  const where = redactUrl(options.redis);

  // Until it is connected there is nothing to finish: a signal ends it at once
  // (its pool's workers die with it).
  const early = (signal: Stop): void => process.exit(EXIT_BY[signal]);
  process.on('SIGINT', early);
  process.on('SIGTERM', early);

  let bullmq: typeof import('@procpool/bullmq');
  try {
    bullmq = await import('@procpool/bullmq');
  } catch (error) {
    say(`cannot load @procpool/bullmq (npm install @procpool/bullmq): ${messageOf(error)}`);
    return 1;
  }
  let worker: Awaited<ReturnType<typeof bullmq.createWorker>>;
  try {
    worker = await bullmq.createWorker({
      connection: options.redis,
      queue: options.queue,
      pool: {
        processes: options.jobs,
        // A terminal's Ctrl-C reaches this process only: the running jobs finish.
        detached: true,
        ...(options.maxTasksPerChild === undefined ? {} : { maxTasksPerChild: options.maxTasksPerChild }),
        ...(options.maxMemory === undefined ? {} : { maxMemoryPerChild: options.maxMemory }),
        ...(options.timeout === undefined ? {} : { taskTimeout: options.timeout }),
      },
      lockDuration: options.lockDuration,
      stalledInterval: options.stalledInterval,
      connectTimeout: options.connectTimeout,
      ...(options.reconnectTimeout === Infinity ? {} : { reconnectTimeout: options.reconnectTimeout }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.allowModules === undefined ? {} : { allowModules: options.allowModules }),
    });
  } catch (error) {
    // Its message names the address already: "could not connect to Redis at URL: why".
    if (error instanceof bullmq.RedisConnectionError) say(error.message.split('\n')[0]!);
    else say(`cannot start on queue ${options.queue} at ${where}: ${messageOf(error)}`);
    return 1;
  }
  prefix = `procpool worker ${worker.name}`;
  const processes = `${options.jobs} process${options.jobs === 1 ? '' : 'es'}`;

  return new Promise<number>((resolve) => {
    let stopping: 'no' | 'closing' | 'terminating' | 'done' = 'no';
    const finish = (code: number): void => {
      stopping = 'done';
      resolve(code);
    };
    const onSignal = (signal: Stop): void => {
      // Stopping already, or stopped and waiting for Node to end: exit now.
      if (stopping === 'terminating' || stopping === 'done') process.exit(EXIT_BY[signal]);
      if (stopping === 'closing') {
        stopping = 'terminating';
        say(`${signal}: stopping now; the running jobs go back to the queue (signal again to exit at once)`);
        worker.terminate().then(
          () => finish(EXIT_BY[signal]),
          (error: unknown) => {
            say(`while stopping: ${messageOf(error)}`);
            finish(EXIT_BY[signal]);
          },
        );
        return;
      }
      stopping = 'closing';
      say(`${signal}: finishing the running jobs, taking no new one (signal again to stop now)`);
      worker.close().then(
        () => finish(0),
        (error: unknown) => {
          say(`while closing: ${messageOf(error)}`);
          finish(1);
        },
      );
    };
    // Redis away past --reconnect-timeout: the worker has terminated itself.
    worker.closed.catch((error: unknown) => {
      if (stopping === 'done') return;
      say(`${error instanceof Error ? error.message.split('\n')[0]! : String(error)}; stopped`);
      finish(1);
    });
    // Added before the early ones go: with no listener at all, Node gives the signal its default (death).
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
    // Said once the handlers are in place: whoever waits for this line may signal at once.
    say(`queue ${options.queue} on ${where}, ${processes}`);
  });
}
