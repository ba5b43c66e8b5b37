import { fileURLToPath } from 'node:url';
import { encodeBareError, encodeError } from '../common/codec/errors.js';
import { describeValue as describe } from '../common/codec/encode-failure.js';
import { describeEncodeFailure, encodeValue, type Payload } from '../common/codec/values.js';
import { defineHidden } from '../common/hidden.js';
import type { EncodingBody, FailureKind, ThrownBody } from '../common/protocol.js';

// The bootstrap's own frames say nothing about the user's error. They name
// procpool's files by path (the CommonJS bundle) or by file URL (ES modules).
const OWN_DIR = new URL('..', import.meta.url);
const OWN_FRAMES = [OWN_DIR.href, fileURLToPath(OWN_DIR)];
const INTERNAL_FRAME = /^\s+at (?:process\.processTicksAndRejections|async Promise\.all) /;
// Only frames: a message line may name our files too ("imported from …/procpool.cjs").
const isOwnFrame = (line: string): boolean =>
  /^\s+at /.test(line) && (OWN_FRAMES.some((own) => line.includes(own)) || INTERNAL_FRAME.test(line));

function trimStack(error: Error): void {
  const { stack } = error;
  if (typeof stack !== 'string') return;
  const lines = stack.split('\n').filter((line) => !isOwnFrame(line));
  try {
    defineHidden(error, 'stack', lines.join('\n'));
  } catch {
    // A frozen error keeps its stack as it is.
  }
}

export interface EncodedFailure {
  how: FailureKind;
  payload: Payload;
}

/** A result list that devalue refused, told as Python's MaybeEncodingError tells it. */
export function describeResultFailure(results: unknown[], error: unknown): EncodedFailure {
  const { path, reason } = describeEncodeFailure(error, 'toParent');
  const index = /^\[(\d+)\]/.exec(path);
  const culprit = index === null ? results : results[Number(index[1])];
  const rest = index === null ? path : path.slice(index[0].length);
  const where = rest === '' ? '' : ` (at result${rest})`;
  const body: EncodingBody = { value: describe(culprit), exc: `${reason}${where}` };
  return { how: 'encoding', payload: encodeValue(body) };
}

/**
 * Encodes what a task threw. An Error goes with all its fields; one whose fields
 * cannot be sent goes with name, message and stack; any other thrown value goes
 * as itself, or as a MaybeEncodingError when it cannot be sent.
 */
export function encodeThrown(thrown: unknown): EncodedFailure {
  if (thrown instanceof Error) {
    trimStack(thrown);
    try {
      return { how: 'thrown', payload: encodeValue({ e: encodeError(thrown) } satisfies ThrownBody) };
    } catch {
      return { how: 'thrown', payload: encodeValue({ e: encodeBareError(thrown) } satisfies ThrownBody) };
    }
  }
  try {
    return { how: 'thrown', payload: encodeValue({ v: thrown } satisfies ThrownBody) };
  } catch (error) {
    const { reason } = describeEncodeFailure(error, 'toParent');
    return { how: 'encoding', payload: encodeValue({ value: describe(thrown), exc: reason } satisfies EncodingBody) };
  }
}
