import { decodeWithDevalue, encodeWithDevalue } from './devalue-extensions.js';
import { NO_PARTS, type Payload } from './payload.js';
import { isPlainJson } from './plain-json.js';
import { smallListJson } from './small-list-json.js';

export { describeEncodeFailure } from './encode-failure.js';
export { NO_PAYLOAD, type Part, type Payload } from './payload.js';

// A payload's first character says how to read it: `J` JSON text, `V` a list
// of nothing but undefined (the results of void tasks) as its length, and
// anything else is devalue text (which starts with `[` or `-`).
const JSON_TAG = 'J';
const VOID_TAG = 'V';

function isVoidList(value: unknown[]): boolean {
  for (let i = 0; i < value.length; i += 1) if (value[i] !== undefined || !(i in value)) return false;
  return true;
}

/** Encodes a value; throws devalue's `DevalueError` (with `.path`) for what cannot be sent. */
export function encodeValue(value: unknown): Payload {
  if (Array.isArray(value)) {
    if (isVoidList(value)) return { text: VOID_TAG + String(value.length), parts: NO_PARTS };
    const small = smallListJson(value);
    if (small !== null) return { text: JSON_TAG + small, parts: NO_PARTS };
  }
  if (isPlainJson(value)) return { text: JSON_TAG + JSON.stringify(value), parts: NO_PARTS };
  return encodeWithDevalue(value);
}

export function decodeValue(payload: Payload): unknown {
  const { text } = payload;
  const tag = text.charCodeAt(0);
  if (tag === 74 /* J */) return JSON.parse(text.slice(1));
  if (tag === 86 /* V */) return new Array<undefined>(Number(text.slice(1))).fill(undefined);
  return decodeWithDevalue(payload);
}
