import type { Address } from '../../common/connection/address.js';
import { checkAddress } from '../../common/connection/address.js';
import { Client } from '../../common/connection/client.js';
import { Pipe } from '../../common/connection/pipe.js';
import { ProcessError } from '../../common/errors.js';
import { ManagerServer } from '../../common/managers/manager-server.js';
import { checkRegistration, type RegisterOptions, type TypeSpec } from '../../common/managers/registry.js';
import type { ServeSetup } from '../../common/managers/serve.js';
import { clientOf, useAuthkey } from '../../common/objects/hosts.js';
import { SERVER_ID } from '../../common/objects/protocol.js';
import type { SharedObject } from '../../common/objects/shared-object.js';
import { currentProcess } from '../../common/process-info.js';
import { resolveTask, type AnyFunction, type TaskLike } from '../../common/tasks.js';
import { checkOptions, invalid } from '../../common/validate.js';
import type { StartMethod } from '../start-methods.js';
import { Process } from '../process/process.js';

/** `new BaseManager()`'s options. */
export interface ManagerOptions {
  /** Where its server listens: a Unix socket path or `[host, port]` (port 0: any free one). @default a private Unix socket */
  address?: Address | undefined;
  /** The key clients must know. @default currentProcess().authkey */
  authkey?: Uint8Array | undefined;
  /** The start method of the server process `start()` makes. */
  context?: StartMethod | undefined;
}

const OPTIONS = new Set(['address', 'authkey', 'context']);
/** How long `shutdown()` waits for the server process to exit before it kills it. */
const SHUTDOWN_MS = 1000;

type State = 'initial' | 'started' | 'connected' | 'serving' | 'shutdown';

// Each class's own typeids (a subclass starts with a copy of its parent's, as Python's).
const registries = new WeakMap<object, Map<string, TypeSpec>>();
let managers = 0;

/** The typeids of `Class` (a manager class), for its subclasses' use. */
export function registryOf(Class: object): Map<string, TypeSpec> {
  let registry = registries.get(Class);
  if (registry === undefined) {
    const parent = Object.getPrototypeOf(Class) as object | null;
    registry = new Map(parent === null ? [] : registryOf(parent));
    registries.set(Class, registry);
  }
  return registry;
}

const serverModule = (): URL => new URL('./bootstrap/manager-server.cjs', import.meta.url);

/**
 * Python's `multiprocessing.managers.BaseManager`: a server that holds
 * objects, and proxies that reach them from any process. `start()` runs the
 * server in a new process; `connect()` reaches one started elsewhere (over
 * TCP, with the authkey handshake); `getServer()` serves from this process.
 */
export class BaseManager implements AsyncDisposable {
  #address: Address | null;
  readonly #authkey: Uint8Array | null;
  readonly #context: StartMethod | undefined;
  #state: State = 'initial';
  #process: Process | null = null;
  #server: ManagerServer | null = null;

  constructor(options?: ManagerOptions) {
    const { address, authkey, context } = checkOptions(options, OPTIONS, 'manager') as ManagerOptions;
    this.#address = address === undefined ? null : checkAddress(address);
    if (authkey !== undefined && !(authkey instanceof Uint8Array))
      throw invalid('authkey', 'a Buffer or Uint8Array', authkey);
    this.#authkey = authkey === undefined ? null : Buffer.from(authkey);
    this.#context = context;
  }

  /**
   * Registers `typeid` on this manager class (call it on a subclass): `create(typeid, …)`
   * makes an object with `callable` in the server (a class is constructed with
   * `new`, a function called) and returns a proxy to it. With `createMethod`
   * (default), managers of the class also get a method named `typeid`.
   */
  static register(this: typeof BaseManager, typeid: string, callable?: unknown, options?: RegisterOptions): void {
    const { spec, createMethod } = checkRegistration(typeid, callable, options);
    registryOf(this).set(typeid, spec);
    if (createMethod) {
      Object.defineProperty(this.prototype, typeid, {
        configurable: true,
        writable: true,
        value(this: BaseManager, ...args: unknown[]) {
          return this.create(typeid, ...args);
        },
      });
    }
  }

  /** Where its server listens: once started, the bound address (the real port for port 0). */
  get address(): Address | null {
    return this.#address;
  }

  /**
   * Starts the server in a new process (daemonic: it dies with this one);
   * `initializer(...initargs)` runs there first. Typeids registered with a
   * callable must name it so that process can import it (a task function, a taskRef, `'module#export'`).
   */
  async start(initializer?: TaskLike<AnyFunction> | string, initargs: unknown[] = []): Promise<void> {
    this.#checkState('initial', 'start()');
    const registry: [string, TypeSpec][] = [...registryOf(this.constructor)].map(([typeid, spec]) => [
      typeid,
      spec.callable === null || spec.builtin ? spec : { ...spec, callable: toRef(typeid, spec.callable) },
    ]);
    const [reader, writer] = Pipe({ duplex: false });
    const setup: ServeSetup = {
      address: this.#address,
      authkey: this.#authkey,
      registry,
      initializer: initializer === undefined ? null : toRef('initializer', initializer),
      initargs,
    };
    managers += 1;
    const child = new Process({
      target: `${serverModule().href}#serveManager`,
      args: [writer, setup],
      daemon: true,
      name: `${this.constructor.name}-${managers}`,
      ...(this.#context === undefined ? {} : { context: this.#context }),
    });
    this.#state = 'started';
    this.#process = child;
    try {
      child.start();
      writer.close();
      this.#address = await reader.recv<Address>();
    } catch (error) {
      child.kill();
      await child.join();
      this.#state = 'shutdown';
      const failure: unknown = child.error;
      const why = failure instanceof Error ? failure.message : `exit code ${String(child.exitCode)}`;
      throw new ProcessError(`The manager's server process did not start (${why})`, { cause: failure ?? error });
    } finally {
      reader.close();
    }
    if (this.#authkey !== null) useAuthkey(this.#address, this.#authkey);
  }

  /** Connects to a server started elsewhere (another process or host) at `address`. */
  async connect(): Promise<void> {
    this.#checkState('initial', 'connect()');
    if (this.#address === null) throw new ProcessError('connect() needs the address of a running manager');
    // A handshake of its own: this process's connection to that address, if it has one, proves nothing about this key.
    const address = this.#address;
    const probe = await Client(address, { authkey: this.#authkey ?? currentProcess().authkey }).catch(
      (error: unknown) => {
        if (error instanceof ProcessError) throw error;
        throw new ProcessError(`Cannot reach the manager at ${show(address)}: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    probe.close();
    if (this.#authkey !== null) useAuthkey(this.#address, this.#authkey);
    await this.#callServer('typeids');
    this.#state = 'connected';
  }

  /**
   * A server in this process, for `serveForever()` (Python's `get_server()`):
   * its typeids may be any function here, closures included.
   */
  getServer(): { serveForever(): Promise<void>; ready(): Promise<Address>; close(): void } {
    this.#checkState('initial', 'getServer()');
    const server = new ManagerServer(this.#authkey ?? currentProcess().authkey, registryOf(this.constructor));
    this.#server = server;
    this.#state = 'serving';
    const listening = server.listen(this.#address ?? undefined).then((address) => (this.#address = address));
    listening.catch(() => {});
    return {
      serveForever: async () => {
        await listening;
        await server.serveForever();
      },
      ready: () => listening,
      close: () => server.close(),
    };
  }

  /** A new object of `typeid` in the server, and a proxy to it. */
  async create(typeid: string, ...args: unknown[]): Promise<SharedObject> {
    if (this.#state !== 'started' && this.#state !== 'connected') {
      throw new ProcessError(`create() needs a started or connected manager (this one is ${this.#state})`);
    }
    return (await this.#callServer('create', typeid, args)) as SharedObject;
  }

  /** How many objects the server holds (Python's `_number_of_objects()`). */
  async objectCount(): Promise<number> {
    return (await this.#callServer('objectCount')) as number;
  }

  /**
   * Stops the server process this manager started: pending and later proxy
   * calls reject. Does nothing for a manager that only connected.
   */
  async shutdown(): Promise<void> {
    const child = this.#process;
    if (this.#state === 'serving') this.#server?.close();
    if (this.#state !== 'started' || child === null) {
      this.#state = 'shutdown';
      return;
    }
    this.#state = 'shutdown';
    try {
      await this.#callServer('shutdown');
    } catch {
      // Gone already: there is only the process to wait for.
    }
    await child.join(SHUTDOWN_MS);
    if (child.exitCode === null) {
      child.kill();
      await child.join();
    }
  }

  /** `shutdown()`, for `await using manager = await Manager()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #callServer(method: string, ...args: unknown[]): Promise<unknown> {
    const address = this.#address;
    if (address === null)
      return Promise.reject(new ProcessError('This manager has no server yet: start() or connect() it'));
    return clientOf(address, `the manager at ${show(address)}`).call(SERVER_ID, method, args);
  }

  #checkState(expected: State, what: string): void {
    if (this.#state !== expected) throw new ProcessError(`${what} on a manager that is ${this.#state}`);
  }
}

const show = (address: Address): string => (typeof address === 'string' ? address : `${address[0]}:${address[1]}`);

// A callable the server process must import, as a reference it can.
function toRef(what: string, callable: unknown): unknown {
  try {
    const { m, n } = resolveTask(callable);
    return `${m}#${n}`;
  } catch (error) {
    throw new TypeError(
      `The manager's server process must import ${what === 'initializer' ? 'the initializer' : `the callable of typeid '${what}'`}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
