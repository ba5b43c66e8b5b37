import { checkAddress, loopbackAddress, resolveFamily, type Address, type Family } from './address.js';
import { checkOptions, invalid, isPositiveInteger } from '../validate.js';

/** Options of `new Listener(address?, options?)`. */
export interface ListenerOptions {
  /** The address family; by default the address's own (AF_UNIX when there is no address). */
  family?: Family | undefined;
  /** The listen(2) backlog: connections the OS holds before Node accepts them. @default Node's (511) */
  backlog?: number | undefined;
  /** A shared secret (Buffer or Uint8Array): each client must prove it knows it before accept() resolves. */
  authkey?: Uint8Array | undefined;
}

/** Options of `Client(address, options?)`. */
export interface ClientOptions {
  /** The address family; by default the address's own. */
  family?: Family | undefined;
  /** The listener's shared secret: both sides prove they know it before Client() resolves. */
  authkey?: Uint8Array | undefined;
}

const KNOWN_LISTENER = new Set(['family', 'backlog', 'authkey']);
const KNOWN_CLIENT = new Set(['family', 'authkey']);

// A copy, so the caller changing its buffer later cannot change the key.
function checkAuthkey(authkey: unknown): Buffer | null {
  if (authkey === undefined) return null;
  if (!(authkey instanceof Uint8Array)) throw invalid('authkey', 'a Buffer or Uint8Array', authkey);
  return Buffer.from(authkey);
}

interface ResolvedListenerOptions {
  /** null: a socket in a private directory. */
  address: Address | null;
  family: Family;
  backlog: number | undefined;
  authkey: Buffer | null;
}

export function normalizeListenerOptions(address: unknown, rawOptions: unknown): ResolvedListenerOptions {
  const options = checkOptions(rawOptions, KNOWN_LISTENER, 'Listener');
  const checked = address === undefined || address === null ? undefined : checkAddress(address);
  const family = resolveFamily(options.family, checked);
  const { backlog } = options;
  if (backlog !== undefined && !isPositiveInteger(backlog)) {
    throw invalid('backlog', 'a positive integer', backlog, true);
  }
  return {
    address: checked ?? (family === 'AF_UNIX' ? null : loopbackAddress(family)),
    family,
    backlog,
    authkey: checkAuthkey(options.authkey),
  };
}

export function normalizeClientOptions(
  address: unknown,
  rawOptions: unknown,
): { address: Address; family: Family; authkey: Buffer | null } {
  const options = checkOptions(rawOptions, KNOWN_CLIENT, 'Client');
  const checked = checkAddress(address);
  return {
    address: checked,
    family: resolveFamily(options.family, checked),
    authkey: checkAuthkey(options.authkey),
  };
}
