import { RemoteTraceback } from '@procpool/core';
import { bridge } from './bridge.js';
import type { Outcome } from './job-data.js';

/** Where a call was made: its frames end a remote error's stack. */
export interface Caller {
  stack?: string;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any public method is a frame to cut at
export function captureCaller(above: Function): Caller {
  const caller: Caller = {};
  Error.captureStackTrace(caller, above);
  return caller;
}

const hide = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
};

/**
 * The thrown value of a failed outcome as the caller gets it: an error keeps
 * its class and fields, gains a `remoteTraceback` naming the machine and the
 * process that ran it, and its stack continues with the caller's frames.
 */
function thrownOf(outcome: Outcome & { ok: false }, jobId: string, caller: Caller): unknown {
  const { e: error, at } = outcome;
  if (!(error instanceof Error)) return error;
  const tb = String(error.stack);
  hide(error, 'remoteTraceback', new RemoteTraceback(tb, at.pid, at.name, at.host));
  const via = at.via === '' || at.via === at.name ? '' : ` via ${at.via}`;
  const frames = (caller.stack ?? '').split('\n').slice(1).join('\n');
  const line = `    --- above: ${at.name} (pid ${at.pid}) on ${at.host}${via}, job ${jobId}; below: the call that sent the task ---`;
  hide(error, 'stack', frames === '' ? `${tb}\n${line}` : `${tb}\n${line}\n${frames}`);
  return error;
}

/** A job's return value read: the value, or the item index and thrown value of its failure. */
export function readOutcome(
  returnvalue: unknown,
  jobId: string,
  caller: Caller,
): { ok: true; value: unknown } | { ok: false; index: number; thrown: unknown } {
  // The worker returns a string; BullMQ stores it as JSON, which QueueEvents may hand over still encoded.
  let text = returnvalue;
  if (typeof text === 'string' && text.startsWith('"')) text = JSON.parse(text) as unknown;
  if (typeof text !== 'string') throw new TypeError(`Job ${jobId} returned something that is not a procpool outcome`);
  const outcome = bridge.decode(text) as Outcome;
  if (outcome.ok) return { ok: true, value: outcome.v };
  return { ok: false, index: outcome.i, thrown: thrownOf(outcome, jobId, caller) };
}
