import type { Address } from '../connection/address.js';

/** The key a server is known by in this process. */
export const addressKey = (address: Address): string =>
  typeof address === 'string' ? address : `${address[0]}:${address[1]}`;

// While an answer from a server is decoded: the address it calls itself, and the one we reach it at.
let seen: { own: string; ours: Address } | null = null;

/** Runs `decode` with handles naming the server as `own` taken to mean `ours` (a server bound to '0.0.0.0'). */
export function seenThrough<T>(own: Address | null, ours: Address, decode: () => T): T {
  const enclosing = seen;
  seen = own === null ? null : { own: addressKey(own), ours };
  try {
    return decode();
  } finally {
    seen = enclosing;
  }
}

/** `address` as this process reaches it (see seenThrough). */
export function addressSeen(address: Address): Address {
  return seen !== null && addressKey(address) === seen.own ? seen.ours : address;
}
