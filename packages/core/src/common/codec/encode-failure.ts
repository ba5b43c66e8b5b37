import { inspect } from 'node:util';
import { transferableOf } from './transferables.js';
import { thrownByReduce } from './user-types.js';

/** A value as an error message shows it: short, on one line. */
export function describeValue(value: unknown): string {
  const text = inspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

interface EncodeFailure {
  /** Where the bad value sits, as devalue reports it: `[0].onDone`. */
  path: string;
  reason: string;
  /** The error a registered type's `reduce` (or a getter) threw, if that was the failure. */
  cause?: unknown;
}

/** Where the value was going: a task's arguments to a worker, its result (or thrown value) back, or through a Connection. */
type EncodeDirection = 'toWorker' | 'toParent' | 'toConnection';

const UNSENDABLE = {
  toWorker: {
    fn: 'functions cannot be sent to a worker; pass data, or refer to a task by name',
    instance: (ctor: string) =>
      `instances of ${ctor} cannot be sent to a worker; send plain objects, arrays, Map, Set, Date, typed arrays or Errors`,
  },
  toParent: {
    fn: 'functions cannot be sent back to the parent; a task must return (or throw) data',
    instance: (ctor: string) =>
      `instances of ${ctor} cannot be sent back to the parent; return plain objects, arrays, Map, Set, Date, ` +
      'typed arrays or Errors, or register the class with registerType()',
  },
  toConnection: {
    fn: 'functions cannot be sent through a Connection; send data',
    instance: (ctor: string) =>
      `instances of ${ctor} cannot be sent through a Connection; send plain objects, arrays, Map, Set, Date, ` +
      'typed arrays or Errors, or register the class with registerType()',
  },
} as const;

/** Reads devalue's failure into a path and a reason that names the fix. */
export function describeEncodeFailure(error: unknown, direction: EncodeDirection = 'toWorker'): EncodeFailure {
  const e = error as { name?: unknown; path?: unknown; message?: unknown; value?: unknown };
  if (e.name !== 'DevalueError') {
    const message = String(e.message ?? error);
    const reason = thrownByReduce(error)
      ? `a registered type's reduce() threw: ${message}`
      : `reading it threw (a getter?): ${message}`;
    return { path: '', reason, cause: error };
  }
  const path = typeof e.path === 'string' ? e.path : '';
  let reason = typeof e.message === 'string' ? e.message : String(error);
  const transferable = transferableOf(e.value);
  if (transferable !== undefined) {
    reason = transferable.unsendable;
  } else if (typeof (e.value as { then?: unknown } | null | undefined)?.then === 'function') {
    reason = 'a Promise (or thenable) cannot be sent; await it and send its value';
  } else if (typeof e.value === 'symbol') {
    reason = 'symbols cannot be sent';
  } else if (typeof e.value === 'function') {
    reason = UNSENDABLE[direction].fn;
  } else if (reason.includes('non-POJO')) {
    const ctor = (e.value as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    reason = UNSENDABLE[direction].instance(ctor);
  }
  return { path, reason };
}
