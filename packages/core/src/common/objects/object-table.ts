import { ProcessError } from '../errors.js';
import { decodeValue, encodeValue } from '../codec/values.js';
import { LOCAL_CALLER, type Caller, type Referent } from './referent.js';

const copyOf = (value: unknown): unknown => decodeValue(encodeValue(value));

// How many tables of this process hold each referent: one may be served by
// two servers (a queue of this process handed out by a manager's server here),
// and is disposed only when the last lets it go.
const servedBy = new WeakMap<object, number>();

/** How many tokens that came before their transit are remembered, oldest forgotten first. */
const MAX_EARLY_TOKENS = 10_000;

/** A referent and what the table knows of it. */
interface Entry {
  readonly referent: object;
  readonly kind: string;
  /** The only methods a client may call. */
  readonly exposed: ReadonlySet<string>;
  /** Whether its methods take the Caller first (the state referents) or only the arguments (a manager's objects). */
  readonly takesCaller: boolean;
  /** Handles alive here (local) and in connected processes. */
  holds: number;
  /** Handles sent and not yet received (see SharedObject's [SHARED]). */
  readonly transits: Set<string>;
}

/** What a referent added to a server is. */
export interface EntryOptions {
  kind: string;
  exposed: readonly string[];
  takesCaller: boolean;
}

/**
 * An object server's referents by id: what each exposes, the handles to it
 * alive anywhere and those on their way (transits), and the call of an
 * exposed method. An object is freed when neither is left. (server.ts puts it
 * on a socket.)
 */
export class ObjectTable {
  readonly #entries = new Map<number, Entry>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;
  // Tokens of transits whose receiver's hold (or end) came before the sender's transit did.
  readonly #received = new Set<string>();

  /** Adds `referent` with no handle yet; its id. */
  add(referent: object, { kind, exposed, takesCaller }: EntryOptions): number {
    const id = this.#nextId++;
    this.#entries.set(id, { referent, kind, exposed: new Set(exposed), takesCaller, holds: 0, transits: new Set() });
    this.#ids.set(referent, id);
    servedBy.set(referent, (servedBy.get(referent) ?? 0) + 1);
    return id;
  }

  /** The id of `referent` here, adding it (as `options` say) if it is not here yet. */
  adopt(referent: object, options: EntryOptions): number {
    const id = this.#ids.get(referent);
    return id !== undefined && this.#entries.has(id) ? id : this.add(referent, options);
  }

  /** What object `id` is, for a server adopting it. */
  optionsOf(id: number): EntryOptions | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined
      ? undefined
      : { kind: entry.kind, exposed: [...entry.exposed], takesCaller: entry.takesCaller };
  }

  /** The referent of object `id` here, if alive. */
  referent(id: number): object | undefined {
    return this.#entries.get(id)?.referent;
  }

  /** How many objects are alive. */
  get objectCount(): number {
    return this.#entries.size;
  }

  /** A handle to object `id` came to life (`token`: the transit it arrived by, if any). */
  hold(id: number, token: string | null): boolean {
    const entry = this.#entries.get(id);
    if (token !== null) {
      if (entry?.transits.delete(token) !== true) this.#remember(token);
    }
    if (entry === undefined) return false;
    entry.holds += 1;
    return true;
  }

  /** A handle to object `id` was released. */
  drop(id: number): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    entry.holds -= 1;
    this.#freeIfUnheld(id, entry);
  }

  /** A handle to object `id` is on its way to another process, as `token`. */
  transit(id: number, token: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    if (this.#received.delete(token)) return;
    entry.transits.add(token);
  }

  /** The transit `token` will never be received (what carried it was dropped). */
  untransit(id: number, token: string): void {
    const entry = this.#entries.get(id);
    if (entry?.transits.delete(token) === true) this.#freeIfUnheld(id, entry);
    // A transit that arrives after this is ended at once, as one a hold came before.
    else this.#remember(token);
  }

  #remember(token: string): void {
    this.#received.add(token);
    if (this.#received.size > MAX_EARLY_TOKENS) this.#received.delete(this.#received.values().next().value as string);
  }

  /**
   * Runs `method` of object `id` for `caller` (the host itself, or a client):
   * its answer, or a Promise of it; throws what it throws.
   */
  invoke(caller: Caller, id: number, method: string, args: unknown[]): unknown {
    const entry = this.#entries.get(id);
    if (entry === undefined)
      throw new ProcessError(`No shared object ${id} is alive here (it was freed, or never existed)`);
    if (!entry.exposed.has(method)) throw new ProcessError(`Method '${method}' of a ${entry.kind} is not exposed`);
    const fn = (entry.referent as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new ProcessError(`'${method}' of a ${entry.kind} is not a method`);
    return entry.takesCaller
      ? (fn as (...all: unknown[]) => unknown).call(entry.referent, caller, ...args)
      : (fn as (...all: unknown[]) => unknown).apply(entry.referent, args);
  }

  /**
   * invoke() for the hosting process itself. A manager's objects (whose
   * methods do not take the Caller) hand out and take copies, as they do to
   * other processes: a caller here never shares their state by reference.
   */
  invokeHere(id: number, method: string, args: unknown[]): unknown {
    if (this.#entries.get(id)?.takesCaller !== false) return this.invoke(LOCAL_CALLER, id, method, args);
    const answer = this.invoke(LOCAL_CALLER, id, method, copyOf(args) as unknown[]);
    return answer instanceof Promise ? answer.then(copyOf) : copyOf(answer);
  }

  // Handles this process held and dropped (a value a dict no longer holds) are
  // let go when collected; where gc() is exposed (a manager's server process),
  // collect first, so the count is what Python's reference counting would say.
  async countAfterCollecting(): Promise<number> {
    const { gc } = globalThis as { gc?: () => void };
    if (gc !== undefined) {
      gc();
      // FinalizationRegistry callbacks run in a later task.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.objectCount;
  }

  #freeIfUnheld(id: number, entry: Entry): void {
    if (entry.holds > 0 || entry.transits.size > 0) return;
    this.#free(id, entry, new ProcessError(`The shared ${entry.kind} was freed`));
  }

  #free(id: number, entry: Entry, error: Error): void {
    this.#entries.delete(id);
    const servers = (servedBy.get(entry.referent) ?? 1) - 1;
    servedBy.set(entry.referent, servers);
    if (servers === 0) (entry.referent as Referent).dispose?.(error);
  }

  /** `caller`'s process is gone: the objects it called hear it (`touched`), and the handles it held (`holds`) go. */
  callerGone(caller: Caller, touched: Iterable<number>, holds: Iterable<[number, number]>): void {
    for (const id of touched) {
      const entry = this.#entries.get(id);
      (entry?.referent as Referent | undefined)?.callerGone?.(caller);
    }
    for (const [id, count] of holds) {
      const entry = this.#entries.get(id);
      if (entry === undefined) continue;
      entry.holds -= count;
      this.#freeIfUnheld(id, entry);
    }
  }

  /** Frees every object: waiters left are rejected with `error`. */
  freeAll(error: Error): void {
    for (const [id, entry] of this.#entries) this.#free(id, entry, error);
  }
}
