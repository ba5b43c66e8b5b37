import type { Address } from '../connection/address.js';
import { ProcessError } from '../errors.js';
import { hostHere } from '../objects/hosts.js';
import type { Caller } from '../objects/referent.js';
import { freshHandle, ObjectServer } from '../objects/server.js';
import { localHandle, SharedObject } from '../objects/shared-object.js';
import { resolveTask } from '../tasks.js';
import { BUILTINS, type Container } from './builtins.js';
import { DictProxy, GenericProxy, ListProxy, NamespaceProxy } from './proxies.js';
import { specOf, type TypeSpec } from './registry.js';

const PROXIES = { DictProxy, ListProxy, NamespaceProxy } as const;

/** The public methods of `object`: functions on it or its prototypes (not Object's), not starting with `_`. */
function publicMethods(object: object): string[] {
  const names = new Set<string>();
  for (
    let at: object | null = object;
    at !== null && at !== Object.prototype;
    at = Object.getPrototypeOf(at) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (name === 'constructor' || name.startsWith('_') || name === 'then') continue;
      const descriptor = Object.getOwnPropertyDescriptor(at, name);
      if (typeof descriptor?.value === 'function') names.add(name);
    }
  }
  return [...names];
}

const isClass = (fn: unknown): fn is new (...args: unknown[]) => object =>
  typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));

/** The function a registered callable is here: itself, or the export a TaskRef names. */
async function callableOf(callable: unknown): Promise<(...args: unknown[]) => unknown> {
  if (typeof callable === 'function') return callable as (...args: unknown[]) => unknown;
  const { m, n } = resolveTask(callable);
  const found = ((await import(m)) as Record<string, unknown>)[n];
  if (typeof found !== 'function') throw new ProcessError(`The manager's callable: ${m} has no function export '${n}'`);
  return found as (...args: unknown[]) => unknown;
}

/**
 * A manager's server: an object server whose own methods create objects by
 * typeid (`create`), list the typeids and shut it down. Runs in a manager's
 * server process (`start()`), or in any process (`getServer()`).
 */
export class ManagerServer {
  readonly #registry: ReadonlyMap<string, TypeSpec>;
  readonly #server: ObjectServer;
  #whenShutDown: Promise<void>;
  #shutDown!: () => void;

  constructor(authkey: Uint8Array, registry: ReadonlyMap<string, TypeSpec>) {
    this.#registry = registry;
    this.#whenShutDown = new Promise((resolve) => (this.#shutDown = resolve));
    this.#server = new ObjectServer(authkey, {
      create: (caller: Caller, typeid: unknown, args: unknown) => this.#create(typeid, Array.isArray(args) ? args : []),
      typeids: () => [...this.#registry.keys()],
      shutdown: () => {
        // After this answer has gone out.
        setImmediate(() => this.close());
      },
    });
  }

  /** Starts listening; the bound address. */
  async listen(address?: Address): Promise<Address> {
    const bound = await this.#server.listen(address);
    hostHere(this.#server, bound);
    return bound;
  }

  /** Resolves once a client has shut it down (or close() was called); keeps Node running until then. */
  serveForever(): Promise<void> {
    this.#server.keepAlive();
    return this.#whenShutDown;
  }

  close(): void {
    this.#server.close();
    this.#shutDown();
  }

  async #create(typeid: unknown, args: unknown[]): Promise<unknown> {
    const spec = specOf(this.#registry, typeid);
    const id = typeid as string;
    if (spec.builtin) {
      const make = BUILTINS[id];
      if (make === undefined) throw new ProcessError(`'${id}' is not one of SyncManager's types`);
      const made = (make as (...all: unknown[]) => SharedObject | Container)(...args);
      return freshHandle(made instanceof SharedObject ? made : this.#proxyOf(made));
    }
    if (spec.callable === null)
      throw new ProcessError(`Typeid '${id}' was registered without a callable: nothing can create it`);
    const fn = await callableOf(spec.callable);
    const made = isClass(fn) ? new fn(...args) : await fn(...args);
    // A shared object the callable returns (Python's remote queue) is handed out as it is.
    if (made instanceof SharedObject) return made;
    return freshHandle(this.#wrap(made, id, spec));
  }

  #proxyOf({ referent, kind, exposed }: Container): SharedObject {
    const objectId = this.#server.add(referent, { kind, exposed, takesCaller: false });
    const Proxy: new () => SharedObject = PROXIES[kind];
    return localHandle(this.#server, objectId, Proxy, []);
  }

  // Keeps `made` here as an object of `typeid`; a proxy to it.
  #wrap(made: unknown, typeid: string, spec: TypeSpec): SharedObject {
    if (typeof made !== 'object' || made === null) {
      throw new TypeError(`The callable of typeid '${typeid}' returned \`${String(made)}\`, not an object`);
    }
    const exposed = spec.exposed ?? publicMethods(made);
    const adapter = Object.create(null) as Record<string, (...args: unknown[]) => unknown>;
    for (const name of exposed) {
      const resultTypeid = spec.methodToTypeid?.[name];
      adapter[name] = async (...args: unknown[]) => {
        const method = (made as Record<string, unknown>)[name];
        if (typeof method !== 'function') throw new ProcessError(`'${name}' is not a method of the ${typeid}`);
        const result: unknown = await (method as (...all: unknown[]) => unknown).apply(made, args);
        if (resultTypeid === undefined) return result;
        return freshHandle(this.#wrap(result, resultTypeid, specOf(this.#registry, resultTypeid)));
      };
    }
    const objectId = this.#server.add(adapter, { kind: typeid, exposed, takesCaller: false });
    return localHandle(this.#server, objectId, GenericProxy, [typeid, exposed]);
  }
}
