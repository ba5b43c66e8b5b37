// A JoinableQueue where it lives: a Queue that also counts the items not
// yet marked done, and the joiners waiting for that count to reach 0.
import { ProcessError } from '../../errors.js';
import type { Caller } from '../referent.js';
import { QueueState } from './queue-state.js';
import { WaitQueue } from './wait-queue.js';

/** A JoinableQueue's state. */
export class JoinableQueueState extends QueueState {
  #unfinished = 0;
  readonly #joiners = new WaitQueue<undefined>();

  taskDone(_caller: Caller): void {
    if (this.#unfinished === 0) throw new ProcessError('taskDone() called more times than there were items');
    this.#unfinished -= 1;
    if (this.#unfinished === 0) for (const joiner of this.#joiners.takeAll()) joiner.resolve(undefined);
  }

  /** Resolves once every item put has been marked done. */
  join(caller: Caller): void | Promise<void> {
    if (this.#unfinished === 0) return;
    return this.#joiners.add(caller, undefined, null, () => {});
  }

  override callerGone(caller: Caller): void {
    super.callerGone(caller);
    this.#joiners.dropCaller(caller);
  }

  override dispose(error: Error): void {
    super.dispose(error);
    this.#joiners.rejectAll(error);
  }

  protected override accepted(): void {
    this.#unfinished += 1;
  }
}
