// What @procpool/bullmq uses of the procpool loaded in its process: task
// references, and values as one string (a job's data and return value are
// JSON text in Redis). Kept on a registry, not among the public names: it is
// the internal contract of procpool's own packages, and a worker (which
// imports no package) reaches the same functions through it.
import { encodeBareError, rebuildError } from './codec/errors.js';
import { describeEncodeFailure, describeValue, decodeValue, encodeValue } from './codec/values.js';
import { NO_PARTS, type Part } from './codec/payload.js';
import { MaybeEncodingError } from './errors.js';
import type { WireTaskRef } from './protocol.js';
import { sharedRegistry } from './registry.js';
import { resolveTask } from './tasks.js';

type PortablePart = [kind: 's', value: string] | [kind: 'b' | 'u', base64: string];

// '=' then the codec's text when the value has no raw parts (the usual case);
// '+' then JSON of [text, parts] otherwise, bytes as base64.
function encodePortable(value: unknown, where: (path: string) => string, toWorker: boolean): string {
  let payload;
  try {
    payload = encodeValue(value);
  } catch (error) {
    const { path, reason, cause } = describeEncodeFailure(error, toWorker ? 'toWorker' : 'toParent');
    throw new TypeError(`Cannot send ${where(path)}: ${reason}`, cause === undefined ? undefined : { cause });
  }
  if (payload.parts.length === 0) return `=${payload.text}`;
  const parts = payload.parts.map((part): PortablePart =>
    part.kind === 's'
      ? ['s', part.value]
      : [part.kind, Buffer.from(part.value.buffer, part.value.byteOffset, part.value.byteLength).toString('base64')],
  );
  return `+${JSON.stringify([payload.text, parts])}`;
}

function decodePortable(text: string): unknown {
  if (text.startsWith('=')) return decodeValue({ text: text.slice(1), parts: NO_PARTS });
  if (!text.startsWith('+')) throw new TypeError('Not a procpool-encoded value');
  const [body, parts] = JSON.parse(text.slice(1)) as [string, PortablePart[]];
  return decodeValue({
    text: body,
    parts: parts.map(([kind, value]): Part => {
      if (kind === 's') return { kind, value };
      const bytes = Buffer.from(value, 'base64');
      return { kind, value: kind === 'b' ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
    }),
  });
}

interface Bridge {
  resolveTask(fn: unknown): WireTaskRef;
  encode(value: unknown, where: (path: string) => string, toWorker: boolean): string;
  decode(text: string): unknown;
  /** What a task's result becomes when it cannot be sent, as in a Pool. */
  unsendable(value: unknown, reason: string): Error;
  /** The error with only its class, name, message and stack: what a Pool sends when its fields cannot be. */
  bareError(error: Error): Error;
}

function unsendable(value: unknown, reason: string): Error {
  return new MaybeEncodingError(describeValue(value), reason);
}

// An error whose fields cannot be sent goes with its class, name, message and stack, as from a Pool.
const bareError = (error: Error): Error => rebuildError(encodeBareError(error));

Object.assign(
  sharedRegistry<Partial<Bridge>>('bridge', () => ({})),
  {
    resolveTask,
    encode: encodePortable,
    decode: decodePortable,
    unsendable,
    bareError,
  } satisfies Bridge,
);
