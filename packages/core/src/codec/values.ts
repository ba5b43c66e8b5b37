import { parse, stringify } from 'devalue';
import { encodeError, rebuildError, type WireError } from './errors.js';

// devalue covers cycles, Map/Set/Date/BigInt/RegExp/typed arrays; these add the
// two Node types users pass most: Errors (as values) and Buffers (kept as Buffer).
const reducers = {
  Err: (value: unknown) => value instanceof Error && encodeError(value),
  Buf: (value: unknown) => Buffer.isBuffer(value) && new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
};

const revivers = {
  Err: (wire: WireError) => rebuildError(wire),
  Buf: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

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
}

/** Reads devalue's failure into a path and a reason that names the fix. */
export function describeEncodeFailure(error: unknown): EncodeFailure {
  const e = error as { path?: unknown; message?: unknown; value?: unknown };
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
