import { parse, stringify } from 'devalue';
import { encodeError, rebuildError, type WireError } from './errors.js';

type Reducer = (value: unknown) => unknown;
// devalue hands revivers whatever the reducer produced: the pair is typed at registration.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reviver = (data: any) => unknown;

// devalue covers cycles, Map/Set/Date/BigInt/RegExp/typed arrays; these add the
// two Node types users pass most: Errors (as values) and Buffers (kept as Buffer).
const reducers: Record<string, Reducer> = {
  Err: (value: unknown) => value instanceof Error && encodeError(value),
  Buf: (value: unknown) => Buffer.isBuffer(value) && new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
};

const revivers: Record<string, Reviver> = {
  Err: (wire: WireError) => rebuildError(wire),
  Buf: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

/** How instances of a class cross the pipe: `reduce` turns one into sendable data, `revive` back. */
export interface TypeCodec<T, D> {
  reduce(value: T): D;
  revive(data: D): T;
}

/**
 * Lets instances of `Class` be sent to and from workers (the analog of
 * Python's copyreg). Register it, under the same name, in a module both sides
 * load; `reduce` runs where a value is sent, `revive` where it arrives.
 * @example
 * registerType(Point, { reduce: (p) => [p.x, p.y], revive: ([x, y]) => new Point(x, y) });
 */
export function registerType<T extends object, D>(
  Class: abstract new (...args: never[]) => T,
  codec: TypeCodec<T, D>,
  name: string = Class.name,
): void {
  if (typeof Class !== 'function') throw new TypeError(`Expected \`Class\` to be a class, got \`${String(Class)}\``);
  if (typeof codec?.reduce !== 'function' || typeof codec.revive !== 'function') {
    throw new TypeError('Expected `codec` to have `reduce` and `revive` functions');
  }
  if (name === '') throw new TypeError('Expected `name` to be a non-empty string');
  // Wrapped in a one-element array: devalue treats a falsy reduction as "not mine".
  reducers[`T:${name}`] = (value) => value instanceof Class && [codec.reduce(value)];
  revivers[`T:${name}`] = ([data]: [D]) => codec.revive(data);
}

/** Encodes a value; throws devalue's `DevalueError` (with `.path`) for what cannot be sent. */
export function encodeValue(value: unknown): string {
  return stringify(value, reducers);
}

export function decodeValue(text: string): unknown {
  return parse(text, revivers);
}

export interface EncodeFailure {
  /** Where the bad value sits, as devalue reports it: `[0].onDone`. */
  path: string;
  reason: string;
  /** The error a registered type's `reduce` threw, if that was the failure. */
  cause?: unknown;
}

/** Reads devalue's failure into a path and a reason that names the fix. */
export function describeEncodeFailure(error: unknown): EncodeFailure {
  const e = error as { name?: unknown; path?: unknown; message?: unknown; value?: unknown };
  if (e.name !== 'DevalueError') {
    return { path: '', reason: `a registered type's reduce() threw: ${String(e.message ?? error)}`, cause: error };
  }
  const path = typeof e.path === 'string' ? e.path : '';
  let reason = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.value === 'function') {
    reason = 'functions cannot be sent to a worker; pass data, or refer to a task by name';
  } else if (reason.includes('non-POJO')) {
    const ctor = (e.value as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    reason = `instances of ${ctor} cannot be sent to a worker; send plain objects, arrays, Map, Set, Date, typed arrays or Errors`;
  }
  return { path, reason };
}
