import { rebuildError } from '../../common/codec/errors.js';
import { decodeValue, type Payload } from '../../common/codec/values.js';
import { MaybeEncodingError, RemoteTraceback, workerPlace } from '../../common/errors.js';
import { defineHidden } from '../../common/hidden.js';
import type { EncodingBody, FailureKind, ThrownBody } from '../../common/protocol.js';

/**
 * What the caller gets for a task that failed in `worker`: the thrown value
 * itself, or the error rebuilt with its class, the worker's stack, a line
 * naming the worker and a `remoteTraceback`; or a MaybeEncodingError.
 */
export function decodeRemoteFailure(
  worker: { pid: number; name: string; threadId?: number | null },
  how: FailureKind,
  payload: Payload,
  /** What the caller's frames below the worker's stack are. */
  below = 'the call that sent the task',
): unknown {
  if (how === 'encoding') {
    const { value, exc } = decodeValue(payload) as EncodingBody;
    return new MaybeEncodingError(value, exc);
  }
  const thrown = decodeValue(payload) as ThrownBody;
  if ('v' in thrown) return thrown.v;
  const error = rebuildError(thrown.e);
  const tb = String(error.stack);
  defineHidden(error, 'remoteTraceback', new RemoteTraceback(tb, worker.pid, worker.name));
  const place = workerPlace(worker.pid, worker.threadId);
  defineHidden(error, 'stack', `${tb}\n    --- above: ${worker.name} (${place}); below: ${below} ---`);
  return error;
}
