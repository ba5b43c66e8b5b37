// The messages between a process and an object server, after the handshake.
// A request is `[callId, objectId, method, args]`: callId 0 wants no answer;
// object 0 is the server itself (hello, hold, drop, transit, untransit, sync,
// bye, objectCount, and what a manager adds). An answer is `[callId, status, value]`: the method's
// result, or what it threw; `[callId, status]` when that is undefined.

/** The object id of the server itself. */
export const SERVER_ID = 0;
export const REPLY_OK = 0;
export const REPLY_FAILED = 1;

export interface Request {
  callId: number;
  id: number;
  method: string;
  args: unknown[];
}

import type { Address } from '../connection/address.js';

/** Whether `value` is an address as the wire carries one: a path, or `[host, port]`. */
export const isAddress = (value: unknown): value is Address =>
  typeof value === 'string' ||
  (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number');

const isIndex = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The request `message` is, or null when it is not one (the peer is not procpool, or hostile). */
export function checkRequest(message: unknown): Request | null {
  if (!Array.isArray(message) || message.length !== 4) return null;
  const [callId, id, method, args] = message as unknown[];
  if (!isIndex(callId) || !isIndex(id) || typeof method !== 'string' || !Array.isArray(args)) return null;
  return { callId, id, method, args: args as unknown[] };
}

/** The answer `message` is, or null when it is not one. */
export function checkReply(message: unknown): { callId: number; failed: boolean; value: unknown } | null {
  if (!Array.isArray(message) || (message.length !== 3 && message.length !== 2)) return null;
  const [callId, status, value] = message as unknown[];
  if (!isIndex(callId) || (status !== REPLY_OK && status !== REPLY_FAILED)) return null;
  return { callId, failed: status === REPLY_FAILED, value };
}
