import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from '@procpool/core';
import type { MapOptions } from './args.js';
import { UsageError } from './usage-error.js';
import { failureOf, type Backend, type Item, type Outcome } from './backend.js';

const WORKER = new URL('./worker.cjs', import.meta.url).href;

/**
 * MODULE of MODULE#EXPORT as the workers load it: a path (with or without
 * `./`) is resolved against the working directory and must exist; anything
 * else is a package name (or a URL), which the workers resolve from there.
 */
function taskModule(module: string): string {
  if (/^(file|node|data):/.test(module)) return module;
  const file = path.resolve(module);
  const looksLikePath = module.startsWith('.') || path.isAbsolute(module) || /\.[cm]?[jt]s$/.test(module);
  if (fs.existsSync(file)) return pathToFileURL(file).href;
  if (looksLikePath) throw new UsageError(`cannot find the task module ${module} (looked for ${file})`);
  return module;
}

// An answer from the worker starts with "value" or "error" (worker.cts).
const outcomeOf = (json: string): Outcome => {
  if (!json.startsWith('"error"')) return { failed: false, json, reason: '' };
  let reason = 'failed';
  try {
    const { name, message } = (JSON.parse(`{${json}}`) as { error: { name?: unknown; message?: unknown } }).error;
    reason = `${String(name)}: ${String(message)}`;
  } catch {
    // The line is still written as the worker made it.
  }
  return { failed: true, json, reason };
};

/** `procpool map`: a Pool whose workers run the task on batches of lines (worker.cts). */
export class MapBackend implements Backend {
  readonly batchSize: number;
  readonly maxBatches: number;
  readonly minBatches: number;
  readonly #pool: Pool;
  readonly #module: string;
  readonly #name: string;
  readonly #jobs: number;
  readonly #task: string;
  #killed = false;

  constructor(options: MapOptions) {
    const hash = options.task.lastIndexOf('#');
    this.#task = options.task;
    this.#module = taskModule(options.task.slice(0, hash));
    this.#name = options.task.slice(hash + 1);
    this.#jobs = options.jobs;
    this.batchSize = options.chunksize;
    // Enough queued per worker that none waits on the parent between tasks (each holds up to 256).
    this.maxBatches = options.jobs * 64;
    this.minBatches = options.jobs;
    this.#pool = new Pool({
      processes: options.jobs,
      initializer: `${WORKER}#prepareWorker`,
      initargs: [this.#module, this.#name, options.input_],
      // A terminal's Ctrl-C reaches procpool only, which decides what running tasks do;
      // a task's stdout (console.log, fd 1, its children's) goes to stderr: stdout is the JSON lines'.
      detached: true,
      stdout: 'stderr',
      ...(options.maxTasksPerChild === undefined ? {} : { maxTasksPerChild: options.maxTasksPerChild }),
      ...(options.maxMemory === undefined ? {} : { maxMemoryPerChild: options.maxMemory }),
      ...(options.timeout === undefined ? {} : { taskTimeout: options.timeout }),
    });
  }

  async start(): Promise<void> {
    try {
      await this.#pool.apply(`${WORKER}#checkTask`);
    } catch (error) {
      await this.#pool.terminate();
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      // The loader's advice about functions sent by value is the library's, not the command line's.
      const first = message.split('\n')[0]!.replace(/; a function sent by value.*$/, '');
      throw new UsageError(`cannot load the task ${this.#task}: ${name}: ${first}`);
    }
  }

  async run(items: readonly Item[]): Promise<Outcome[] | undefined> {
    const lines = items.map((item) => item.text);
    try {
      const answers = (await this.#pool.apply(`${WORKER}#runLines`, [lines])) as string[];
      return answers.map(outcomeOf);
    } catch (error) {
      // The chunk's worker died, or it ran past --timeout: each of its lines failed so.
      return this.#killed ? undefined : items.map(() => failureOf(error));
    }
  }

  restarts(): number {
    return Math.max(0, this.#pool.stats().workersStarted - this.#jobs);
  }

  async kill(): Promise<void> {
    this.#killed = true;
    await this.#pool.terminate();
  }

  async close(): Promise<void> {
    this.#pool.close();
    await this.#pool.join();
  }
}
