import { SharedObject } from '../objects/shared-object.js';

// Releases the handles in a value a container forgets (itself, or in arrays, Maps, Sets, plain
// objects): what only it kept alive is freed now, as Python's decref does, not at this process's GC.
export function release(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof SharedObject) value[Symbol.dispose]();
  else if (Array.isArray(value) || value instanceof Set) for (const item of value) release(item, seen);
  else if (value instanceof Map) for (const item of value.values()) release(item, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const item of Object.values(value)) release(item, seen);
}
