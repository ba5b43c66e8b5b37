import { ProcessError } from '../errors.js';

/** `get()` on an empty queue without waiting, or past its `timeout`. Python's `queue.Empty`. */
export class Empty extends ProcessError {
  constructor(message = 'The queue is empty') {
    super(message);
  }
}
Empty.prototype.name = 'Empty';

/** `put()` on a full queue without waiting, or past its `timeout`. Python's `queue.Full`. */
export class Full extends ProcessError {
  constructor(message = 'The queue is full') {
    super(message);
  }
}
Full.prototype.name = 'Full';

/** A `Barrier` was aborted or reset while parties waited, or a wait on it timed out. Python's `threading.BrokenBarrierError`. */
export class BrokenBarrierError extends ProcessError {
  constructor(message = 'The barrier is broken') {
    super(message);
  }
}
BrokenBarrierError.prototype.name = 'BrokenBarrierError';
