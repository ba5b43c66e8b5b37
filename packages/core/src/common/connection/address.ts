// Addresses as Python's multiprocessing.connection takes them: a string is a
// Unix socket path, a [host, port] pair is TCP. And the private directory of a
// Listener (or object server) made without an address, removed on close(), at
// exit, or by the parent once this process has exited (temp-dir.ts).
import { fitsSocketPath, MAX_SOCKET_PATH } from '../socket-path.js';
import net from 'node:net';
import path from 'node:path';
import { privateDir } from '../temp-dir.js';
import { invalid } from '../validate.js';

/** An address family, by Python's name. */
export type Family = 'AF_UNIX' | 'AF_INET' | 'AF_INET6';

/** A TCP address: host name or IP address, and port (0 for any free port when listening). */
export type TcpAddress = readonly [host: string, port: number];

/** A Unix socket path, or a TCP `[host, port]`. */
export type Address = string | TcpAddress;

const FAMILIES: readonly Family[] = ['AF_UNIX', 'AF_INET', 'AF_INET6'];

/** The family an address belongs to: a string is a Unix path; a pair is TCP, IPv6 when its host is an IPv6 address. */
function addressType(address: Address): Family {
  if (typeof address === 'string') return 'AF_UNIX';
  return net.isIPv6(address[0]) ? 'AF_INET6' : 'AF_INET';
}

/** Throws unless `value` is a Unix path or a `[host, port]` pair. */
export function checkAddress(value: unknown): Address {
  if (typeof value === 'string' && value !== '') {
    if (fitsSocketPath(value)) return value;
    throw invalid('address', `a Unix socket path of at most ${MAX_SOCKET_PATH} bytes (the OS limit)`, value);
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    Number.isInteger(value[1]) &&
    (value[1] as number) >= 0 &&
    (value[1] as number) <= 65535
  ) {
    return [value[0], value[1] as number];
  }
  throw invalid('address', 'a Unix socket path or a [host, port] pair with a port from 0 to 65535', value);
}

/** The family to use: `family` if given (it must fit `address`), else the address's own, else AF_UNIX. */
export function resolveFamily(family: unknown, address: Address | undefined): Family {
  if (family === undefined) return address === undefined ? 'AF_UNIX' : addressType(address);
  if (family === 'AF_PIPE') {
    throw new TypeError(
      'Expected `family` to be AF_UNIX, AF_INET or AF_INET6: AF_PIPE (Windows named pipes) is not supported',
    );
  }
  if (!FAMILIES.includes(family as Family)) {
    throw invalid('family', "'AF_UNIX', 'AF_INET' or 'AF_INET6'", family);
  }
  const chosen = family as Family;
  const fitting = address === undefined ? FAMILIES : familiesOf(address);
  if (!fitting.includes(chosen)) {
    throw invalid('family', `${fitting.join(' or ')} for the address ${JSON.stringify(address)}`, family);
  }
  return chosen;
}

// A host name may resolve in either IP family; an IP literal has its own.
function familiesOf(address: Address): readonly Family[] {
  if (typeof address === 'string') return ['AF_UNIX'];
  const ip = net.isIP(address[0]);
  return ip === 4 ? ['AF_INET'] : ip === 6 ? ['AF_INET6'] : ['AF_INET', 'AF_INET6'];
}

/** The address a Listener with no address listens on in a TCP family: loopback, any free port. */
export function loopbackAddress(family: 'AF_INET' | 'AF_INET6'): TcpAddress {
  return family === 'AF_INET' ? ['127.0.0.1', 0] : ['::1', 0];
}

/** Whether a Unix path is in Linux's abstract namespace (no file to remove). */
export const isAbstract = (socketPath: string): boolean => socketPath.startsWith('\0');

/** A socket path in a new private (0700) directory; `remove` deletes the directory. */
export function privateSocketPath(): { socketPath: string; remove: () => void } {
  // mkdtemp makes the directory 0700: only this user can reach the socket.
  const { dir, remove } = privateDir('listener');
  const socketPath = path.join(dir, 'socket');
  if (!fitsSocketPath(socketPath)) {
    remove();
    throw new Error(
      `A Unix socket in ${dir} would have a path over the OS limit of ${MAX_SOCKET_PATH} bytes: set TMPDIR to a shorter directory, or give the Listener an address`,
    );
  }
  return { socketPath, remove };
}
