import { parse, stringify } from 'devalue';
import { sharedRegistry } from '../registry.js';
import { encodeError, rebuildError, type WireError } from './errors.js';

type Reducer = (value: unknown) => unknown;
// devalue hands revivers whatever the reducer produced: the pair is typed at registration.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reviver = (data: any) => unknown;

// devalue covers cycles, Map/Set/Date/BigInt/RegExp/typed arrays; these add the
// two Node types users pass most: Errors (as values) and Buffers (kept as Buffer).
/** Strings and byte arrays from this size on travel out of band, as raw bytes after the frame body. */
export const OUT_OF_BAND_BYTES = 32 * 1024;

/** A value's wire form: devalue text, plus large strings and byte arrays carried raw. */
export interface Payload {
  text: string;
  parts: readonly Part[];
}
export type Part = { kind: 's'; value: string } | { kind: 'b' | 'u'; value: Uint8Array };
const NO_PARTS: readonly Part[] = Object.freeze([]);

let outgoing: Part[] | null = null; // collects parts during one encode
let incoming: readonly Part[] = NO_PARTS; // the parts of the payload being decoded

const reducers: Record<string, Reducer> = {
  // First, so a large Buffer is carried raw before `Buf` would turn it into devalue text.
  Raw: (value: unknown) => {
    if (outgoing === null) return false;
    let part: Part;
    if (typeof value === 'string') {
      if (value.length < OUT_OF_BAND_BYTES / 4) return false;
      part = { kind: 's', value };
    } else if (value instanceof Uint8Array && value.byteLength >= OUT_OF_BAND_BYTES) {
      if (Buffer.isBuffer(value)) part = { kind: 'b', value };
      else if (Object.getPrototypeOf(value) === Uint8Array.prototype) part = { kind: 'u', value };
      else return false;
    } else {
      return false;
    }
    outgoing.push(part);
    return [outgoing.length - 1];
  },
  Err: (value: unknown) => value instanceof Error && encodeError(value),
  Buf: (value: unknown) => Buffer.isBuffer(value) && new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
};

const revivers: Record<string, Reviver> = {
  Raw: ([index]: [number]) => (incoming[index] as Part).value,
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
  userTypes.set(name, { Class, codec: codec });
}

interface UserType {
  Class: abstract new (...args: never[]) => object;
  codec: TypeCodec<object, unknown>;
}
const userTypes = sharedRegistry('types', () => new Map<string, UserType>());

// Registered types, looked up when a value is neither JSON nor built in.
reducers.Type = (value: unknown) => {
  if (typeof value !== 'object' || value === null || userTypes.size === 0) return false;
  for (const [name, { Class, codec }] of userTypes) if (value instanceof Class) return [name, codec.reduce(value)];
  return false;
};
revivers.Type = ([name, data]: [string, unknown]) => {
  const type = userTypes.get(name);
  if (type === undefined) {
    throw new TypeError(`No type '${name}' is registered here: call registerType in a module this process loads`);
  }
  return type.codec.revive(data);
};

// Plain JSON data (the common case: numbers, short strings, arrays, plain
// objects) goes through the native JSON codec, ~10x faster than devalue; the
// walk below admits only values JSON round-trips exactly (no undefined, NaN,
// -0, shared or cyclic references, toJSON, symbol keys, large strings).
const JSON_TAG = 'J';
const MAX_JSON_DEPTH = 64;
// A list of nothing but `undefined` (the results of a task that returns
// nothing): the tag and the length.
const VOID_TAG = 'V';

function isVoidList(value: unknown[]): boolean {
  for (let i = 0; i < value.length; i += 1) if (value[i] !== undefined || !(i in value)) return false;
  return true;
}

/**
 * The objects one walk of isPlainJson has entered, so that a shared or cyclic
 * one sends it to devalue. Small values, the common case, are checked against
 * a list; a walk that enters many objects moves them into a Set.
 */
class Seen {
  #list: object[] = [];
  #set: Set<object> | null = null;

  /** False if `value` was entered before; otherwise notes it. */
  enter(value: object): boolean {
    if (this.#set !== null) {
      if (this.#set.has(value)) return false;
      this.#set.add(value);
      return true;
    }
    if (this.#list.includes(value)) return false;
    this.#list.push(value);
    if (this.#list.length > 16) this.#set = new Set(this.#list);
    return true;
  }

  clear(): void {
    this.#list.length = 0;
    this.#set = null;
  }
}

// Reused by every encode: a walk reads properties, and a getter could start
// another encode, which then gets a Seen of its own.
const shared = new Seen();
let sharedInUse = false;

function isPlainJson(value: unknown, seen: Seen, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'string':
      return value.length < OUT_OF_BAND_BYTES / 4;
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_JSON_DEPTH || !seen.enter(value)) return false;
      if (Array.isArray(value)) {
        if ('toJSON' in value) return false;
        for (let i = 0; i < value.length; i += 1) {
          if (!(i in value) || !isPlainJson(value[i], seen, depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key in value) {
        if (key === '__proto__' || !isPlainJson((value as Record<string, unknown>)[key], seen, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// The payloads of most tasks are a short list of short lists of numbers and
// short strings: their JSON text is built here in one pass, without the
// native codec, whose entry is slow on a cold CPU (~3 µs for `[[1]]` between
// two sleeps, measured in A). Anything else returns null and takes the walk.
const SMALL_LIST = 16;
const SMALL_STRING = 64;

/** The outer list may hold lists of primitives (each only once); an inner one only primitives. */
function smallListJson(list: unknown[], outer = true): string | null {
  if (list.length > SMALL_LIST || 'toJSON' in list) return null;
  let text = '[';
  for (let i = 0; i < list.length; i += 1) {
    const item = list[i]; // a hole reads as undefined: null
    let json: string | null = null;
    if (!Array.isArray(item)) json = primitiveJson(item);
    // A list given twice must come back as one list: devalue keeps it so.
    else if (outer && list.indexOf(item) === i) json = smallListJson(item, false);
    if (json === null) return null;
    text += i === 0 ? json : `,${json}`;
  }
  return `${text}]`;
}

function primitiveJson(value: unknown): string | null {
  switch (typeof value) {
    case 'number':
      // JSON writes a finite number as String does.
      return Number.isFinite(value) && !Object.is(value, -0) ? String(value) : null;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return isPlainAscii(value) ? `"${value}"` : null;
    case 'object':
      return value === null ? 'null' : null;
    default:
      return null;
  }
}

/** Printable ASCII without quote or backslash: its JSON is itself in quotes. */
function isPlainAscii(text: string): boolean {
  if (text.length > SMALL_STRING) return false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** Encodes a value; throws devalue's `DevalueError` (with `.path`) for what cannot be sent. */
export function encodeValue(value: unknown): Payload {
  if (Array.isArray(value)) {
    if (isVoidList(value)) return { text: VOID_TAG + String(value.length), parts: NO_PARTS };
    const small = smallListJson(value);
    if (small !== null) return { text: JSON_TAG + small, parts: NO_PARTS };
  }
  if (isJson(value)) return { text: JSON_TAG + JSON.stringify(value), parts: NO_PARTS };
  outgoing = [];
  try {
    const text = stringify(value, reducers);
    return { text, parts: outgoing.length === 0 ? NO_PARTS : outgoing };
  } finally {
    outgoing = null;
  }
}

function isJson(value: unknown): boolean {
  if (sharedInUse) return isPlainJson(value, new Seen(), 0);
  sharedInUse = true;
  try {
    return isPlainJson(value, shared, 0);
  } finally {
    shared.clear();
    sharedInUse = false;
  }
}

export function decodeValue({ text, parts }: Payload): unknown {
  const tag = text.charCodeAt(0);
  if (tag === 74 /* J */) return JSON.parse(text.slice(1));
  if (tag === 86 /* V */) return new Array<undefined>(Number(text.slice(1))).fill(undefined);
  incoming = parts;
  try {
    return parse(text, revivers);
  } finally {
    incoming = NO_PARTS;
  }
}

/** The payload of a frame that carries no value. */
export const NO_PAYLOAD: Payload = Object.freeze({ text: '', parts: NO_PARTS });

export interface EncodeFailure {
  /** Where the bad value sits, as devalue reports it: `[0].onDone`. */
  path: string;
  reason: string;
  /** The error a registered type's `reduce` threw, if that was the failure. */
  cause?: unknown;
}

/** Which way the value was going: a task's arguments to a worker, or its result (or thrown value) back. */
export type EncodeDirection = 'toWorker' | 'toParent';

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
} as const;

/** Reads devalue's failure into a path and a reason that names the fix. */
export function describeEncodeFailure(error: unknown, direction: EncodeDirection = 'toWorker'): EncodeFailure {
  const e = error as { name?: unknown; path?: unknown; message?: unknown; value?: unknown };
  if (e.name !== 'DevalueError') {
    return { path: '', reason: `a registered type's reduce() threw: ${String(e.message ?? error)}`, cause: error };
  }
  const path = typeof e.path === 'string' ? e.path : '';
  let reason = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.value === 'function') {
    reason = UNSENDABLE[direction].fn;
  } else if (reason.includes('non-POJO')) {
    const ctor = (e.value as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
    reason = UNSENDABLE[direction].instance(ctor);
  }
  return { path, reason };
}
