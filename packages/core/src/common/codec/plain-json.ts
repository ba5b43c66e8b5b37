import { OUT_OF_BAND_CHARS } from './payload.js';

// Bounds the walk's recursion: deeper values take the devalue path.
const MAX_DEPTH = 64;

/**
 * The objects one walk has entered, so that a shared or cyclic one sends the
 * value to devalue. Small values, the common case, are checked against a
 * list; a walk that enters many objects moves them into a Set.
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

// Reused by every walk: a walk reads properties, and a getter could start
// another encode, which then gets a Seen of its own.
const shared = new Seen();
let sharedInUse = false;

/**
 * Whether JSON.stringify and JSON.parse give `value` back exactly, so that it
 * can skip devalue (~10x slower on plain data): no undefined, NaN, -0, holes,
 * shared or cyclic references, toJSON, class instances, symbol keys or
 * strings large enough to travel out of band.
 */
export function isPlainJson(value: unknown): boolean {
  if (sharedInUse) return walk(value, new Seen(), 0);
  sharedInUse = true;
  try {
    return walk(value, shared, 0);
  } finally {
    shared.clear();
    sharedInUse = false;
  }
}

function walk(value: unknown, seen: Seen, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'string':
      return value.length < OUT_OF_BAND_CHARS;
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_DEPTH || !seen.enter(value)) return false;
      if (Array.isArray(value)) return 'toJSON' in value ? false : walkList(value, seen, depth);
      if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key in value) {
        if (key === '__proto__' || !walk((value as Record<string, unknown>)[key], seen, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// A list's primitives are checked here, in one loop, rather than by a call of
// walk() each: a map's chunk is thousands of them, and its first ones run
// before V8 has optimized anything (B2: the walk was ~8 ms of a cold map of
// 100 000 numbers). A hole reads as undefined, which JSON cannot give back.
function walkList(list: unknown[], seen: Seen, depth: number): boolean {
  for (let i = 0; i < list.length; i += 1) {
    const item = list[i];
    switch (typeof item) {
      case 'number':
        // Finite, and not -0 (which JSON writes as 0).
        if (item - item !== 0 || (item === 0 && 1 / item < 0)) return false;
        break;
      case 'string':
        if (item.length >= OUT_OF_BAND_CHARS) return false;
        break;
      case 'boolean':
        break;
      default:
        if (item !== null && !walk(item, seen, depth + 1)) return false;
    }
  }
  return true;
}
