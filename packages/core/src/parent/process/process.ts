import { ProcessError } from '../../common/errors.js';
import { getLogger } from '../../common/logging.js';
import { childIdentity, currentProcess, nextProcessName } from '../../common/process-info.js';
import type { AnyFunction } from '../../common/tasks.js';
import { keepingAlive, timerDelay } from '../../common/timers.js';
import { invalid, invalidTimeout } from '../../common/validate.js';
import { WAITABLE, type Waitable, type WaitState } from '../../common/waitable.js';
import { childExited, childStarted } from '../active-children.js';
import type { ExitInfo } from '../launch/launcher.js';
import { captureCaller } from '../pool/stacks.js';
import { exitCodeOf } from './exit.js';
import {
  checkDaemon,
  checkName,
  normalizeProcessOptions,
  type ProcessOptions,
  type ResolvedProcessOptions,
} from './options.js';
import { startChild } from './start-child.js';

type State = 'initial' | 'started' | 'exited' | 'closed';

/** What `wait()` accepts for a Process: ready once the child has exited. */
export type Sentinel = Waitable;

/**
 * Runs `target(...args)` in a child process, as Python's `multiprocessing.Process`.
 * @example
 * const p = new Process({ target: greet, args: ['bob'] });
 * p.start();
 * await p.join();
 * p.exitCode; // 0
 */
export class Process<F extends AnyFunction = AnyFunction> implements Waitable {
  readonly #options: ResolvedProcessOptions;
  #name: string;
  /** Python's `_identity`: the counters in this Process's name. */
  readonly #identity: number[];
  #daemon: boolean;
  #authkey: Buffer;
  #state: State = 'initial';
  #pid: number | undefined;
  #exit: ExitInfo | null = null;
  #error: unknown = undefined;
  #kill: ((signal: NodeJS.Signals) => void) | null = null;
  readonly #exited: Promise<void>;
  #settleExited!: () => void;
  readonly [WAITABLE]: WaitState;
  /** A value `wait()` accepts: ready when the child has exited. */
  readonly sentinel: Sentinel;

  constructor(options?: ProcessOptions<F>) {
    this.#options = normalizeProcessOptions(options);
    // Numbered at construction, as Python does, even when a name is given.
    const numbered = nextProcessName();
    this.#name = this.#options.name ?? numbered.name;
    this.#identity = numbered.identity;
    this.#daemon = this.#options.daemon;
    this.#authkey = currentProcess().authkey;
    this.#exited = new Promise((resolve) => (this.#settleExited = resolve));
    const started = (): void => {
      // As Python's wait() and join() refuse one: it could only wait forever.
      if (this.#state === 'initial') throw new ProcessError(`Cannot wait for ${this.#name}: it was never started`);
    };
    this[WAITABLE] = {
      isReady: () => {
        started();
        return this.#exit !== null;
      },
      // Never rejects once started; wait() stops listening when it is done.
      whenReady: () => {
        started();
        return this.#exited;
      },
    };
    this.sentinel = Object.freeze({ [WAITABLE]: this[WAITABLE] });
  }

  get name(): string {
    return this.#name;
  }

  set name(name: string) {
    checkName(name);
    this.#name = name;
  }

  get daemon(): boolean {
    return this.#daemon;
  }

  /** Settable before `start()` only. */
  set daemon(daemon: boolean) {
    if (this.#state !== 'initial') throw new ProcessError(`Cannot set daemon of ${this.#name}: it has been started`);
    checkDaemon(daemon);
    this.#daemon = daemon;
  }

  /** The key the child's `currentProcess().authkey` holds: this process's by default. */
  get authkey(): Buffer {
    return Buffer.from(this.#authkey); // a copy: changing it changes nothing
  }

  set authkey(key: Buffer) {
    if (!(key instanceof Uint8Array)) throw invalid('authkey', 'a Buffer or Uint8Array', key);
    this.#authkey = Buffer.from(key);
  }

  /** The child's pid; undefined before `start()`. */
  get pid(): number | undefined {
    return this.#pid;
  }

  get ident(): number | undefined {
    return this.#pid;
  }

  /** null while running (or before start); the exit code; -N when killed by signal N. */
  get exitCode(): number | null {
    return this.#exit === null ? null : exitCodeOf(this.#exit);
  }

  /** The name of the signal that killed the child (`'SIGKILL'`), or null. */
  get signal(): string | null {
    return this.#exit?.signal ?? null;
  }

  /** After the exit: what the target threw, rebuilt with its class and both stacks; else undefined. */
  get error(): unknown {
    return this.#error;
  }

  /** Starts the child; `pid` is set when this returns. Throws if called twice, after `close()`, or in a daemonic process. */
  start(): void {
    this.#checkOpen();
    if (this.#state !== 'initial') throw new ProcessError(`Cannot start ${this.#name} twice`);
    if (childIdentity()?.daemon === true) {
      throw new ProcessError(
        'A daemonic process may not start children (pool workers and daemon Processes are daemonic)',
      );
    }
    const started = startChild({
      name: this.#name,
      identity: this.#identity,
      daemon: this.#daemon,
      authkey: this.#authkey,
      target: this.#options.target,
      args: this.#options.args,
      launch: this.#options.launch,
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only a frame to cut the stack at
      caller: captureCaller(this.start),
    });
    this.#state = 'started';
    const { pid } = started;
    this.#pid = pid;
    this.#kill = (signal) => started.kill(signal);
    const info = { name: this.#name, pid, daemon: this.#daemon };
    childStarted(info);
    const logger = getLogger();
    if (logger.isEnabledFor('debug')) logger.debug(`${this.#name} (pid ${pid}) started`);
    void started.ended.then(({ exit, error }) => {
      childExited(info);
      this.#exit = exit;
      this.#error = error;
      if (this.#state === 'started') this.#state = 'exited';
      this.#kill = null;
      if (logger.isEnabledFor('debug')) logger.debug(`${info.name} (pid ${pid}) exited with code ${exitCodeOf(exit)}`);
      this.#settleExited();
    });
  }

  /** Resolves once the child has exited, or when `timeout` ms have passed. Rejects if it was never started. */
  join(timeout?: number | null): Promise<void> {
    const bad = invalidTimeout(timeout ?? undefined);
    if (bad !== null) return Promise.reject(bad);
    if (this.#state === 'closed') return Promise.reject(this.#closedError());
    if (this.#state === 'initial')
      return Promise.reject(new ProcessError(`Cannot join ${this.#name}: it was never started`));
    if (this.#exit !== null || timeout === 0) return Promise.resolve();
    // A daemonic child does not keep Node alive; someone waiting for it does, as Python's join() blocks.
    const delay = timerDelay(timeout);
    if (delay === null) return keepingAlive(this.#exited);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, delay);
      void this.#exited.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** True between `start()` and the child's exit. */
  isAlive(): boolean {
    this.#checkOpen();
    return this.#state === 'started' && this.#exit === null;
  }

  /** Sends SIGTERM (nothing once the child has exited). */
  terminate(): void {
    this.#signal('SIGTERM');
  }

  /** Sends SIGKILL (nothing once the child has exited). */
  kill(): void {
    this.#signal('SIGKILL');
  }

  /** Releases what the Process holds; throws while the child runs. Its fields stay readable. */
  close(): void {
    if (this.#state === 'started' && this.#exit === null) {
      throw new ProcessError(`Cannot close ${this.#name} while it is running; join() or kill() it first`);
    }
    this.#state = 'closed';
  }

  #signal(signal: NodeJS.Signals): void {
    this.#checkOpen();
    if (this.#state === 'initial') throw new ProcessError(`Cannot signal ${this.#name}: it was never started`);
    this.#kill?.(signal);
  }

  #checkOpen(): void {
    if (this.#state === 'closed') throw this.#closedError();
  }

  #closedError(): ProcessError {
    return new ProcessError(`${this.#name} is closed`);
  }

  get [Symbol.toStringTag](): string {
    return 'Process';
  }
}
