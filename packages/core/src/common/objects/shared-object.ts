import { randomBytes } from 'node:crypto';

import { deferTransit, SHARED, type Shareable } from '../codec/shared.js';
import type { Address } from '../connection/address.js';
import { ProcessError } from '../errors.js';
import { keepingAlive } from '../timers.js';
import type { ObjectClient } from './client.js';
import { addressSeen } from './addresses.js';
import { addressOf, clientOf, hostedAt, hostName, processHost } from './hosts.js';
import { isAddress, SERVER_ID } from './protocol.js';
import type { EntryOptions } from './object-table.js';
import { answeringServer, type ObjectServer } from './server.js';

/** Where a handle's object lives, and how to reach it. */
interface Target {
  /** The server, when it is hosted in this process. */
  readonly server: ObjectServer | null;
  /** The connection to it, when it is not. */
  readonly client: ObjectClient | null;
  readonly id: number;
  /** The hosting process, for messages. */
  readonly host: string;
  /** Its address, for a remote object (a local one listens when a handle leaves). */
  readonly address: Address | null;
}

/** What a handle travels as: `[kind, address, id, transit token, host, constructor args]`. */
type SharedWire = [string, Address, number, string, string, unknown[]];

// What a handle class needs to be rebuilt where it arrives.
const kinds = new Map<string, new (...args: never[]) => SharedObject>();

/** Lets handles of `kind` travel: where one arrives, `new Class(...shareArgs)` rebuilds it. */
export function registerKind(kind: string, Class: new (...args: never[]) => SharedObject): void {
  kinds.set(kind, Class);
}

/** The referent of a handle whose object lives in this process; null for one that lives elsewhere. */
export let localReferent: (handle: SharedObject) => object | null;

/** The target of the handle being revived, read by SharedObject's constructor (see reviveShared). */
let reviving: Target | null = null;

// Handles collected unreleased drop their hold on the object.
const collected = new FinalizationRegistry<Target>((target) => release(target));

function release(target: Target): void {
  if (target.server !== null) target.server.drop(target.id);
  else target.client?.notify(SERVER_ID, 'drop', [target.id]);
}

// Unguessable: a process that could name another's transit could claim its hold and free the object under it.
const transitToken = (): string => randomBytes(16).toString('base64url');

/** What a referent added by a handle is. */
export interface ReferentSpec {
  referent: object;
  /** The methods handles may call. */
  exposed: readonly string[];
  /** Whether its methods take the Caller first (the state referents). */
  takesCaller?: boolean;
}

/**
 * A handle to a shared object: the object itself lives in one process (the
 * one that created it, or a manager's server), and its methods run there.
 * Handles travel anywhere the codec goes (Process args, pool tasks and
 * results, queues, Connections, other shared objects) and work where they
 * arrive. The object is freed when its last handle anywhere is released
 * (`[Symbol.dispose]()`) or garbage-collected.
 */
export abstract class SharedObject implements Shareable, Disposable {
  readonly #kind: string;
  readonly #target: Target;
  #released = false;

  /**
   * `create` makes the referent in this process; it is not called when the
   * handle is being rebuilt for an object that lives elsewhere.
   */
  protected constructor(kind: string, create: () => ReferentSpec) {
    this.#kind = kind;
    const target = reviving;
    reviving = null;
    if (target !== null) {
      this.#target = target;
    } else {
      const server = processHost();
      const { referent, exposed, takesCaller = true } = create();
      const id = server.add(referent, { kind, exposed, takesCaller });
      server.hold(id, null);
      this.#target = { server, client: null, id, host: hostName(), address: null };
    }
    collected.register(this, this.#target, this);
  }

  static {
    localReferent = (handle) => {
      const { server, id } = handle.#target;
      return server === null ? null : (server.referent(id) ?? null);
    };
  }

  /** Calls the referent's `method` with `args`, where it lives. */
  protected call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.#released) return Promise.reject(new ProcessError(`This ${this.#kind} handle has been released`));
    const { server, client, id } = this.#target;
    if (client !== null) return client.call(id, method, args) as Promise<T>;
    let answer: unknown;
    try {
      answer = (server as ObjectServer).invokeHere(id, method, args);
    } catch (error) {
      return Promise.reject(error);
    }
    // A wait here blocks as Python's would: Node runs until it ends.
    return answer instanceof Promise ? keepingAlive(answer as Promise<T>) : Promise.resolve(answer as T);
  }

  /**
   * Calls `method` without waiting for its answer, for what cannot fail
   * while this handle lives (a put to an unbounded queue): from another
   * process the request is only queued to go. Requests from one process
   * reach the object in order, so a later call() answers after it ran.
   * Returns a Promise to wait on while the peer is behind (see ObjectClient.notify).
   */
  protected callNoAnswer(method: string, ...args: unknown[]): Promise<void> | null {
    const { server, client, id } = this.#target;
    if (client === null) {
      void (server as ObjectServer).invokeHere(id, method, args);
      return null;
    }
    client.notify(id, method, args, true);
    return client.behind();
  }

  /** The constructor arguments that rebuild this handle where it arrives (the referent is not rebuilt). */
  protected abstract shareArgs(): unknown[];

  /** Whether this handle has been released: calls through it reject. */
  protected get released(): boolean {
    return this.#released;
  }

  /** Whether calls are known to fail: the connection to the object's process is gone. */
  protected get hostGone(): boolean {
    return this.#target.client?.failed === true;
  }

  /** Whether the object lives in this process. */
  protected get isLocal(): boolean {
    return this.#target.server !== null;
  }

  /** @internal How this handle travels (the codec calls it). */
  [SHARED](): SharedWire {
    if (this.#released) throw new ProcessError(`This ${this.#kind} handle has been released and cannot be sent`);
    const { server, client, id, host } = this.#target;
    const token = transitToken();
    let address: Address;
    const answering = answeringServer();
    if (server !== null && answering !== null && answering !== server) {
      // Sent by a server of this process (a manager's) that does not hold it:
      // it travels as one of that server's objects, reachable where it is.
      const adopted = answering.adopt(server.referent(id) as object, server.optionsOf(id) as EntryOptions);
      const at = addressOf(answering);
      deferTransit({ wire: [at, adopted, token], commit: () => answering.transit(adopted, token) });
      return [this.#kind, at, adopted, token, hostName(), this.shareArgs()];
    }
    if (server !== null) {
      address = this.#target.address ?? addressOf(server);
      deferTransit({ wire: [address, id, token], commit: () => server.transit(id, token) });
    } else {
      address = this.#target.address as Address;
      deferTransit({ wire: [address, id, token], commit: () => client?.notify(SERVER_ID, 'transit', [id, token]) });
    }
    return [this.#kind, address, id, token, host, this.shareArgs()];
  }

  /**
   * Releases this handle: the object is freed once no handle to it is left
   * anywhere. Later calls through this handle reject.
   */
  [Symbol.dispose](): void {
    if (this.#released) return;
    this.#released = true;
    collected.unregister(this);
    release(this.#target);
  }
}

/** A new handle, `new Class(...args)`, to object `id` of `server` (a server of this process). */
export function localHandle<T extends SharedObject>(
  server: ObjectServer,
  id: number,
  Class: new (...args: never[]) => T,
  args: unknown[],
): T {
  server.hold(id, null);
  return handleOf({ server, client: null, id, host: hostName(), address: server.address }, Class, args);
}

// `new Class(...args)` for an object that exists: its constructor takes `target` instead of making one.
function handleOf<T extends SharedObject>(target: Target, Class: new (...args: never[]) => T, args: unknown[]): T {
  reviving = target;
  try {
    return new Class(...(args as never[]));
  } finally {
    reviving = null;
  }
}

/** The handle a SharedWire describes, working in this process. */
export function reviveShared(wire: SharedWire): SharedObject {
  const [kind, named, id, token, host, args] = Array.isArray(wire) ? wire : [];
  if (
    typeof kind !== 'string' ||
    !isAddress(named) ||
    typeof id !== 'number' ||
    typeof token !== 'string' ||
    typeof host !== 'string' ||
    !Array.isArray(args)
  ) {
    throw new TypeError('A shared object arrived in a form procpool does not know');
  }
  const address = addressSeen(named);
  const Class = kinds.get(kind);
  if (Class === undefined) throw new TypeError(`No shared object kind '${kind}' is known here`);
  const server = hostedAt(address) ?? null;
  let target: Target;
  if (server !== null) {
    server.hold(id, token);
    target = { server, client: null, id, host, address };
  } else {
    const client = clientOf(address, host);
    client.notify(SERVER_ID, 'hold', [id, token]);
    target = { server: null, client, id, host, address };
  }
  return handleOf(target, Class, args);
}
