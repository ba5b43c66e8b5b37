import { ProcessError } from '../errors.js';
import { invalid } from '../validate.js';
import { isExposable } from './proxies.js';

/** `BaseManager.register()`'s options. */
export interface RegisterOptions {
  /** The methods a proxy may call; by default, the object's public methods (names not starting with `_`). */
  exposed?: readonly string[];
  /** Methods whose result is itself kept in the server and returned as a proxy of the given typeid. */
  methodToTypeid?: Readonly<Record<string, string>>;
  /** Whether the manager gets a method named `typeid` that calls `create(typeid, …)`. @default true */
  createMethod?: boolean;
}

/** A registered typeid as the server takes it. */
export interface TypeSpec {
  /** Makes the object (a class is constructed with `new`); null: only proxies of it are made, by methodToTypeid. */
  callable: unknown;
  exposed: readonly string[] | null;
  methodToTypeid: Readonly<Record<string, string>> | null;
  /** One of SyncManager's own (dict, Queue, …): made by the server's code. */
  builtin: boolean;
}

const KNOWN = new Set(['exposed', 'methodToTypeid', 'createMethod']);

/** The TypeSpec and createMethod that register() arguments give; throws for bad ones. */
export function checkRegistration(
  typeid: unknown,
  callable: unknown,
  options: unknown,
): { spec: TypeSpec; createMethod: boolean } {
  if (typeof typeid !== 'string' || typeid === '') throw invalid('typeid', 'a non-empty string', typeid);
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalid('options', 'an object', options);
  }
  const raw = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) throw new TypeError(`Unknown register option \`${key}\``);
  const { exposed, methodToTypeid, createMethod = true } = raw;
  if (exposed !== undefined && (!Array.isArray(exposed) || !exposed.every(isExposable))) {
    throw invalid('exposed', "an array of method names (not 'then', 'constructor' or Object's own)", exposed);
  }
  if (
    methodToTypeid !== undefined &&
    (typeof methodToTypeid !== 'object' ||
      methodToTypeid === null ||
      !Object.entries(methodToTypeid).every(([name, id]) => isExposable(name) && typeof id === 'string'))
  ) {
    throw invalid('methodToTypeid', 'an object of method name → typeid', methodToTypeid);
  }
  if (typeof createMethod !== 'boolean') throw invalid('createMethod', 'a boolean', createMethod);
  return {
    spec: {
      callable: callable ?? null,
      exposed: exposed === undefined ? null : [...exposed],
      methodToTypeid: methodToTypeid === undefined ? null : { ...(methodToTypeid as Record<string, string>) },
      builtin: false,
    },
    createMethod,
  };
}

/** The spec of `typeid`, or a ProcessError naming it. */
export function specOf(registry: ReadonlyMap<string, TypeSpec>, typeid: unknown): TypeSpec {
  const spec = typeof typeid === 'string' ? registry.get(typeid) : undefined;
  if (spec === undefined) throw new ProcessError(`No typeid '${String(typeid)}' is registered with this manager`);
  return spec;
}
