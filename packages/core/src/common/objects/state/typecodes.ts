// The typecodes of Python's `array` module, with C's sizes on 64-bit Linux.
// A value is stored through a typed array of its type, which wraps integers
// as C does (127 + 1 → -128 for 'b'); 64-bit types hold bigints.
import { invalid } from '../../validate.js';

type NumberArray =
  Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
type BigIntArray = BigInt64Array | BigUint64Array;

interface TypecodeInfo {
  readonly integer: boolean;
  readonly make: (length: number) => NumberArray | BigIntArray;
}

const TYPECODES = {
  b: { integer: true, make: (n) => new Int8Array(n) },
  B: { integer: true, make: (n) => new Uint8Array(n) },
  h: { integer: true, make: (n) => new Int16Array(n) },
  H: { integer: true, make: (n) => new Uint16Array(n) },
  i: { integer: true, make: (n) => new Int32Array(n) },
  I: { integer: true, make: (n) => new Uint32Array(n) },
  l: { integer: true, make: (n) => new BigInt64Array(n) },
  L: { integer: true, make: (n) => new BigUint64Array(n) },
  q: { integer: true, make: (n) => new BigInt64Array(n) },
  Q: { integer: true, make: (n) => new BigUint64Array(n) },
  f: { integer: false, make: (n) => new Float32Array(n) },
  d: { integer: false, make: (n) => new Float64Array(n) },
} as const satisfies Record<string, TypecodeInfo>;

/** One of Python's `array` typecodes. */
export type Typecode = keyof typeof TYPECODES;

/** A shared number: a bigint for the 64-bit integer typecodes, a number otherwise. */
export type SharedNumber = number | bigint;

const NAMES = Object.keys(TYPECODES).map((code) => `'${code}'`);

export function checkTypecode(typecode: unknown): asserts typecode is Typecode {
  if (typeof typecode !== 'string' || !Object.hasOwn(TYPECODES, typecode)) {
    throw invalid('typecode', `one of ${NAMES.join(', ')}`, typecode);
  }
}

/** A typed array seen through the values it holds (each written as convertValue gave it). */
export interface Storage {
  [index: number]: SharedNumber;
  readonly length: number;
}

/** A typed array of `length` zeros of `typecode`'s type. */
export const makeStorage = (typecode: Typecode, length: number): Storage => TYPECODES[typecode].make(length);

// One slot per typecode to convert through: storing into it is C's conversion.
const scratch = new Map<Typecode, NumberArray | BigIntArray>();

/** `value` as `typecode` stores it (wrapped, rounded to float32); a TypeError names what does not fit. */
export function convertValue(typecode: Typecode, value: unknown): SharedNumber {
  const { integer } = TYPECODES[typecode];
  const fits = typeof value === 'bigint' || (typeof value === 'number' && (!integer || Number.isInteger(value)));
  if (!fits) throw invalid('value', `${integer ? 'an integer' : 'a number'} for typecode '${typecode}'`, value);
  let slot = scratch.get(typecode);
  if (slot === undefined) {
    slot = TYPECODES[typecode].make(1);
    scratch.set(typecode, slot);
  }
  if (slot instanceof BigInt64Array || slot instanceof BigUint64Array) {
    slot[0] = BigInt(value);
  } else {
    // A bigint cut to 32 bits first keeps what an 8-, 16- or 32-bit wrap needs; Number() alone would round it.
    slot[0] = typeof value === 'bigint' && integer ? Number(BigInt.asIntN(32, value)) : Number(value);
  }
  return slot[0];
}
