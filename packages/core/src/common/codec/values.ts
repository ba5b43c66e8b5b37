import { decodeWithDevalue, encodeWithDevalue } from './devalue-extensions.js';
import { NO_PARTS, type Part, type Payload, rawPart } from './payload.js';
import { isPlainJson } from './plain-json.js';
import { smallListJson } from './small-list-json.js';

export { describeEncodeFailure, describeValue } from './encode-failure.js';
export { NO_PAYLOAD, type Part, type Payload } from './payload.js';

// A payload's first character says how to read it: `J` JSON text, `V` a list
// of nothing but undefined (the results of void tasks) as its length, `R` a
// value that is its one raw part, `L` a list of raw parts (or of lists of
// them) as JSON of their indices, and anything else is devalue text (which
// starts with `[` or `-`).
const JSON_TAG = 'J';
const VOID_TAG = 'V';
const RAW_TAG = 'R';
const RAW_LIST_TAG = 'L';
// Bounds the parts of a raw list, each of which is checked against the ones before (devalue keeps a repeated Buffer one object).
const RAW_LIST_MAX = 16;

/**
 * The shape of a short list of large Buffers, byte arrays and strings, or of
 * short lists of them (the arguments of a task), as JSON of part indices, its
 * parts pushed on `parts`; null for anything else or any Buffer given twice.
 */
function rawList(list: unknown[], parts: Part[], outer = true): string | null {
  if (list.length === 0 || list.length > RAW_LIST_MAX) return null;
  let shape = '[';
  for (let i = 0; i < list.length; i += 1) {
    const item = list[i];
    let json: string | null = null;
    if (Array.isArray(item)) {
      if (outer && list.indexOf(item) === i) json = rawList(item, parts, false);
    } else {
      const part = rawPart(item);
      if (part !== null && parts.length < RAW_LIST_MAX && !parts.some((p) => p.kind !== 's' && p.value === item)) {
        json = String(parts.push(part) - 1);
      }
    }
    if (json === null) return null;
    shape += i === 0 ? json : `,${json}`;
  }
  return `${shape}]`;
}

function isVoidList(value: unknown[]): boolean {
  for (let i = 0; i < value.length; i += 1) if (value[i] !== undefined || !(i in value)) return false;
  return true;
}

type Shape = number | Shape[];

function fromShape(shape: Shape, parts: readonly Part[]): unknown {
  return typeof shape === 'number' ? (parts[shape] as Part).value : shape.map((inner) => fromShape(inner, parts));
}

/** Encodes a value; throws devalue's `DevalueError` (with `.path`) for what cannot be sent. */
export function encodeValue(value: unknown): Payload {
  if (Array.isArray(value)) {
    if (isVoidList(value)) return { text: VOID_TAG + String(value.length), parts: NO_PARTS };
    const small = smallListJson(value);
    if (small !== null) return { text: JSON_TAG + small, parts: NO_PARTS };
    // A task's large Buffer or string argument skips devalue, whose first calls in a fresh thread are slow (performance.md, E).
    if (value.length <= RAW_LIST_MAX) {
      const parts: Part[] = [];
      const shape = rawList(value, parts);
      if (shape !== null) return { text: RAW_LIST_TAG + shape, parts };
    }
  } else {
    const part = rawPart(value);
    if (part !== null) return { text: RAW_TAG, parts: [part] };
  }
  if (isPlainJson(value)) return { text: JSON_TAG + JSON.stringify(value), parts: NO_PARTS };
  return encodeWithDevalue(value);
}

export function decodeValue(payload: Payload): unknown {
  const { text } = payload;
  const tag = text.charCodeAt(0);
  if (tag === 74 /* J */) return JSON.parse(text.slice(1));
  if (tag === 86 /* V */) return new Array<undefined>(Number(text.slice(1))).fill(undefined);
  if (tag === 82 /* R */) return (payload.parts[0] as Part).value;
  if (tag === 76 /* L */) return fromShape(JSON.parse(text.slice(1)) as Shape, payload.parts);
  return decodeWithDevalue(payload);
}
