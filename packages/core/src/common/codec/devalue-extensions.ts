import { parse, stringify } from 'devalue';
import { encodeError, rebuildError, type WireError } from './errors.js';
import { NO_PARTS, rawPart, type Part, type Payload } from './payload.js';
import { encodingTransits, isShareable, reviveShareable, SHARED } from './shared.js';
import { reduceTransferable, reviveTransferable } from './transferables.js';
import { reduceUserType, reviveUserType } from './user-types.js';

type Reducer = (value: unknown) => unknown;
// devalue hands revivers whatever the reducer produced: the pair is typed at registration.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reviver = (data: any) => unknown;

// devalue's reducers and revivers are plain functions, so the parts of the
// payload being encoded or decoded are handed to them here.
let outgoing: Part[] | null = null;
let incoming: readonly Part[] = NO_PARTS;

// What devalue does not cover: large values carried raw, Errors with their
// class and fields, Buffers kept as Buffer, objects handed to a starting
// child (transferables.ts), shared objects' handles (shared.ts), and registered types. devalue tries them in this order.
const reducers: Record<string, Reducer> = {
  // First, so a large Buffer is carried raw before `Buf` would turn it into devalue text.
  Raw: (value: unknown) => {
    if (outgoing === null) return false;
    const part = rawPart(value);
    if (part === null) return false;
    outgoing.push(part);
    return [outgoing.length - 1];
  },
  Err: (value: unknown) => value instanceof Error && encodeError(value),
  Buf: (value: unknown) => Buffer.isBuffer(value) && new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
  Xfer: reduceTransferable,
  // A shared object's handle (a queue, a lock, a proxy): what it says it travels as.
  Ref: (value: unknown) => isShareable(value) && value[SHARED](),
  // Last: a registered class that extends Error or Buffer is sent as one.
  Type: reduceUserType,
};

const revivers: Record<string, Reviver> = {
  Raw: ([index]: [number]) => (incoming[index] as Part).value,
  Err: (wire: WireError) => rebuildError(wire),
  Buf: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  Xfer: reviveTransferable,
  Ref: reviveShareable,
  Type: reviveUserType,
};

/** Whether `payload` may hold a transferable object (a string "Xfer" in it says yes too, harmlessly). */
export function mayHoldTransferables({ text }: Payload): boolean {
  return text.includes('"Xfer"');
}

/** devalue text for any value it or the extensions above can carry; throws devalue's `DevalueError` otherwise. */
export function encodeWithDevalue(value: unknown): Payload {
  // A getter or a registered reduce may send another value while this one is being encoded.
  const enclosing = outgoing;
  const parts: Part[] = (outgoing = []);
  try {
    const { result: text } = encodingTransits(() => stringify(value, reducers));
    return { text, parts: parts.length === 0 ? NO_PARTS : parts };
  } finally {
    outgoing = enclosing;
  }
}

export function decodeWithDevalue({ text, parts }: Payload): unknown {
  // A registered revive may decode another value while this one is being decoded.
  const enclosing = incoming;
  incoming = parts;
  try {
    return parse(text, revivers);
  } finally {
    incoming = enclosing;
  }
}
