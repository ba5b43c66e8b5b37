import type { RedisOptions } from 'bullmq';
import { RedisConnectionError } from './errors.js';
import { show } from './options.js';

/** A `redis://` or `rediss://` URL, or ioredis' options (host, port, password, db, tls, …). */
export type RedisConnection = string | RedisOptions;

// Between two tries to reach Redis: short at first, then once a second.
const retryDelay = (times: number): number => Math.min(100 * 2 ** (times - 1), 1000);
// A connection's first retry this long after any other's starts a new outage.
const QUIET = 3000;

/**
 * The options every BullMQ object of one pool or worker connects with, and
 * the outage they share: each connection retries while the outage is younger
 * than `timeout`, then all give up (ioredis ends them, which rejects what
 * they had queued) and `onGiveUp` runs once.
 */
export class Link {
  readonly address: string;
  readonly options: RedisOptions & { url?: string };
  /** How long an outage may last; Infinity retries forever. */
  timeout: number;
  #outageStart: number | null = null;
  #lastRetry = 0;
  #gaveUp = false;
  #stopped = false;
  #down = false;
  #lastError: unknown = undefined;
  #onGiveUp: (error: RedisConnectionError) => void;
  #rejectGivenUp: (error: RedisConnectionError) => void = () => undefined;
  /** Rejects with the RedisConnectionError once the connections gave up: a wait for Redis races it. */
  readonly givenUp = new Promise<never>((_, reject) => (this.#rejectGivenUp = reject));

  constructor(connection: RedisConnection, timeout: number, onGiveUp: (error: RedisConnectionError) => void) {
    this.timeout = timeout;
    this.#onGiveUp = onGiveUp;
    this.givenUp.catch(() => undefined);
    const base: RedisOptions & { url?: string } =
      typeof connection === 'string' ? { url: connection } : { ...connection };
    this.address = describe(connection);
    this.options = {
      ...base,
      connectTimeout: base.connectTimeout ?? Math.min(10_000, Math.max(timeout, 1)),
      // How long a closed connection may linger (ioredis' 2 s held Node open after a failed connect).
      disconnectTimeout: (base as { disconnectTimeout?: number }).disconnectTimeout ?? 200,
      retryStrategy: (times) => this.#retry(times),
    };
  }

  /** The connection errors the BullMQ objects report: the last one explains a give-up. */
  noteError(error: unknown): void {
    this.#lastError = error;
    // Redis refused the credentials: trying again will not change its mind.
    const message = show((error as { message?: unknown } | null)?.message ?? '');
    if (/^(?:WRONGPASS|NOAUTH|NOPERM)\b/.test(message) && !this.#gaveUp && !this.#stopped) {
      this.#giveUp(this.error(`Redis at ${this.address} refused the connection's credentials`));
    }
  }

  /** A connection is (again) ready: the outage, if any, is over. */
  noteReady(): void {
    this.#outageStart = null;
    this.#down = false;
  }

  /** Whether a connection is trying to get Redis back now. */
  get down(): boolean {
    return this.#down;
  }

  /** Closing: a connection that drops now stays down (its next retry gives up, without `onGiveUp`). */
  stop(): void {
    this.#stopped = true;
  }

  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  #retry(times: number): number | null {
    const now = Date.now();
    this.#down = true;
    if (this.#gaveUp || this.#stopped) return null;
    if (this.#outageStart === null || (times === 1 && now - this.#lastRetry > QUIET)) this.#outageStart = now;
    this.#lastRetry = now;
    if (now - this.#outageStart < this.timeout) return retryDelay(times);
    this.#giveUp(this.error(`could not reach Redis at ${this.address} for ${this.timeout} ms`));
    return null;
  }

  #giveUp(error: RedisConnectionError): void {
    this.#gaveUp = true;
    this.#rejectGivenUp(error);
    this.#onGiveUp(error);
  }

  error(what: string): RedisConnectionError {
    const last = this.#lastError as { message?: unknown } | undefined;
    const reason = last === undefined ? '' : `: ${show(last.message ?? last)}`;
    return new RedisConnectionError(this.address, `${what}${reason}`, this.#lastError);
  }
}

/** Checks `connection` and names where it points, without its password. */
export function describe(connection: unknown): string {
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new TypeError(`Expected \`connection\` to be a redis:// URL or ioredis options, got \`${connection}\``);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new TypeError(
        `Expected \`connection\` to be a redis:// or rediss:// URL, got the protocol \`${url.protocol}\``,
      );
    }
    if (url.password !== '') url.password = '***';
    // ioredis also reads a password from the query.
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.href;
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new TypeError(`Expected \`connection\` to be a redis:// URL or ioredis options, got \`${show(connection)}\``);
  }
  const options = connection as RedisOptions;
  if (typeof options.path === 'string') return `unix:${options.path}`;
  const scheme = options.tls === undefined ? 'redis' : 'rediss';
  const db = options.db === undefined || options.db === 0 ? '' : `/${options.db}`;
  return `${scheme}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}${db}`;
}
