import { ProcessError, registerErrorClass } from '@procpool/core';

/** The future was cancelled: what `result()` and `exception()` reject with then. */
export class CancelledError extends ProcessError {
  constructor(message = 'The future was cancelled') {
    super(message);
  }
}
CancelledError.prototype.name = 'CancelledError';

/** An operation the future's state does not allow, such as setting the result of a finished future. */
export class InvalidStateError extends ProcessError {}
InvalidStateError.prototype.name = 'InvalidStateError';

/** The executor cannot run work any more; every pending future and later `submit` fails with it. */
export class BrokenExecutor extends ProcessError {}
BrokenExecutor.prototype.name = 'BrokenExecutor';

/** A ProcessPoolExecutor is broken: its initializer failed, or its workers die at start. */
export class BrokenProcessPool extends BrokenExecutor {}
BrokenProcessPool.prototype.name = 'BrokenProcessPool';

/** A ThreadPoolExecutor is broken: its initializer failed, or its threads die at start. */
export class BrokenThreadPool extends BrokenExecutor {}
BrokenThreadPool.prototype.name = 'BrokenThreadPool';

// A task may throw these too, and a process that loads this package gets them back as themselves.
for (const C of [CancelledError, InvalidStateError, BrokenExecutor, BrokenProcessPool, BrokenThreadPool]) {
  registerErrorClass(C);
}
