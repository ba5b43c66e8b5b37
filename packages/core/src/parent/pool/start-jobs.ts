import { PoolNotRunningError } from '../../common/errors.js';
import type { WireTaskRef } from '../../common/protocol.js';
import { resolveTask } from '../../common/tasks.js';
import {
  checkCallbacks,
  checkChunksize,
  checkInput,
  isIterable,
  readAll,
  resolveCall,
  toArgList,
  type ResolvedCall,
} from './arguments.js';
import { AsyncResult, Settlement, type Settler } from './async-result.js';
import type { ArgsForm } from './chunk.js';
import { CollectJob } from './collect-job.js';
import type { Executor } from './executor.js';
import { ImapJob } from './imap-job.js';
import { IMapIterator } from './imap-iterator.js';
import type { Job } from './job.js';
import { invalid, isPositiveInteger } from '../../common/validate.js';
import type { ApplyAsyncOptions, ImapOptions, MapAsyncOptions } from './call-options.js';
import type { Caller } from './stacks.js';

/**
 * Turns a pool call into a job on the executor: checks the call's arguments,
 * names the task, splits the input into chunks and submits them. Shared by
 * every pool over an Executor; Pool adds the typed public methods.
 */
export class JobStarter {
  constructor(
    private readonly executor: Executor,
    private readonly processes: number,
    /** A failure that nobody observes (Pool's `taskError`). */
    private readonly reportUnobserved: (error: unknown) => void,
  ) {}

  checkRunning(): void {
    const { state } = this.executor;
    if (state !== 'running') {
      throw new PoolNotRunningError(`Pool is ${state === 'closed' ? 'closed' : 'terminated'}: it accepts no new tasks`);
    }
  }

  /** Registers a job, aborting it when the call's signal fires. */
  #startJob(job: Job, { signal }: ResolvedCall): void {
    this.executor.addJob(job);
    if (signal === undefined || job.finished) return;
    if (signal.aborted) {
      this.executor.abortJob(job, signal.reason);
      return;
    }
    const onAbort = (): void => this.executor.abortJob(job, signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    this.executor.onFinish(job, () => signal.removeEventListener('abort', onAbort));
  }

  apply(fn: unknown, args: unknown, caller: Caller | null, options: ApplyAsyncOptions<unknown>): Settlement<unknown> {
    this.checkRunning();
    if (args !== undefined && !Array.isArray(args)) throw invalid('args', 'an array of arguments', args);
    checkCallbacks(options);
    const call = resolveCall(options);
    const ref = resolveTask(fn);
    const settlement = new Settlement<unknown>(options, this.reportUnobserved);
    const job = new CollectJob(settlement, caller, 1, 1, true, this.executor.jobFinished, call.taskTimeout);
    this.#startJob(job, call);
    // Encoded at once (submit), so the caller's array is neither kept nor copied.
    this.executor.submit(job, ref, 'apply', 0, [(args ?? []) as unknown[]]);
    return settlement;
  }

  map(
    form: ArgsForm,
    fn: unknown,
    iterable: unknown,
    options: number | MapAsyncOptions<unknown[]> | undefined,
    caller: Caller,
  ): AsyncResult<unknown[]> {
    this.checkRunning();
    const settings = typeof options === 'object' && options !== null ? options : { chunksize: options };
    const size = checkChunksize(settings.chunksize);
    checkCallbacks(settings);
    const call = resolveCall(settings);
    const ref = resolveTask(fn);
    checkInput(iterable);
    // A sync input is read now, so its own error reaches the caller as it is.
    const items = isIterable(iterable) ? Array.from(iterable) : null;
    const settlement = new Settlement<unknown[]>(settings, this.reportUnobserved);
    if (items !== null) this.#startMap(form, ref, items, size, caller, settlement, call);
    else {
      this.executor.track(readAll(iterable as AsyncIterable<unknown>)).then(
        (read) => this.#startMap(form, ref, read, size, caller, settlement, call),
        (error: unknown) => settlement.reject(error),
      );
    }
    return new AsyncResult(settlement);
  }

  #startMap(
    form: ArgsForm,
    ref: WireTaskRef,
    items: unknown[],
    chunksize: number | undefined,
    caller: Caller,
    settler: Settler<unknown[]>,
    call: ResolvedCall,
  ): void {
    if (items.length === 0) {
      settler.resolve([]);
      return;
    }
    const size = chunksize ?? Math.ceil(items.length / (4 * this.processes));
    const chunks = Math.ceil(items.length / size);
    const job = new CollectJob(
      settler,
      caller,
      chunks,
      items.length,
      false,
      this.executor.jobFinished,
      call.taskTimeout,
    );
    this.#startJob(job, call);
    for (let start = 0; start < items.length && !job.finished; start += size) {
      const chunk = items.slice(start, start + size);
      // map: the items go as they are, each the one argument of its call.
      let list: unknown[];
      try {
        list = form === 'starmap' ? chunk.map((item, i) => toArgList(item, start + i)) : chunk;
      } catch (error) {
        job.chunkFailed(start, chunk.length, error);
        continue;
      }
      this.executor.submit(job, ref, form, start, list);
    }
  }

  imap(
    ordered: boolean,
    fn: unknown,
    iterable: unknown,
    options: number | ImapOptions | undefined,
    caller: Caller,
  ): IMapIterator<unknown> {
    this.checkRunning();
    const settings = typeof options === 'object' && options !== null ? options : { chunksize: options };
    const chunksize = checkChunksize(settings.chunksize) ?? 1;
    const bufferSize = settings.bufferSize ?? 4 * this.processes * chunksize;
    if (!isPositiveInteger(bufferSize)) throw invalid('bufferSize', 'a positive integer', bufferSize, true);
    const call = resolveCall(settings);
    const ref = resolveTask(fn);
    checkInput(iterable);
    const job = new ImapJob(
      iterable,
      { ordered, chunksize, bufferSize: Math.max(bufferSize, chunksize), taskTimeout: call.taskTimeout },
      caller,
      (owner, start, items) => this.executor.submit(owner, ref, 'map', start, items),
      this.executor.jobFinished,
    );
    this.#startJob(job, call);
    if (!job.finished) job.fill();
    return new IMapIterator(job);
  }
}
