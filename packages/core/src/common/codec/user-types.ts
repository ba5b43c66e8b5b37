import { sharedRegistry } from '../registry.js';

/** How instances of a class cross the pipe: `reduce` turns one into sendable data, `revive` back. */
export interface TypeCodec<T, D> {
  reduce(value: T): D;
  revive(data: D): T;
}

interface UserType {
  Class: abstract new (...args: never[]) => object;
  codec: TypeCodec<object, unknown>;
}

const userTypes = sharedRegistry('types', () => new Map<string, UserType>());

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
  userTypes.set(name, { Class, codec });
}

/** `[name, data]` for an instance of a registered type; false (devalue's "not mine") for anything else. */
// What registered reduce() functions threw, so that a failed encode can say it was one.
const reduceFailures = new WeakSet<object>();

/** Whether `error` was thrown by a registered type's reduce(). */
export const thrownByReduce = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && reduceFailures.has(error);

export function reduceUserType(value: unknown): [string, unknown] | false {
  if (typeof value !== 'object' || value === null || userTypes.size === 0) return false;
  for (const [name, { Class, codec }] of userTypes) {
    if (!(value instanceof Class)) continue;
    try {
      return [name, codec.reduce(value)];
    } catch (error) {
      const failure: unknown = typeof error === 'object' && error !== null ? error : new Error(String(error));
      reduceFailures.add(failure as object);
      throw failure;
    }
  }
  return false;
}

export function reviveUserType([name, data]: [string, unknown]): unknown {
  const type = userTypes.get(name);
  if (type === undefined) {
    throw new TypeError(`No type '${name}' is registered here: call registerType in a module this process loads`);
  }
  return type.codec.revive(data);
}
