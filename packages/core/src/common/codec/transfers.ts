import { mayHoldTransferables } from './devalue-extensions.js';
import { loadSharedRevival, needsSharedRevival } from './shared-loader.js';
import {
  collectingTransfers,
  loadTransferables,
  receivingTransfers,
  registerTransferableLoader,
  type TransferReceiver,
} from './transferables.js';
import { decodeValue, encodeValue, type Payload } from './values.js';

export { restoreTransfers, type TransferReceiver } from './transferables.js';

/**
 * Encodes `value` for a child that is about to start, collecting the
 * transferable objects in it (Connections) in order instead of failing on
 * them. Throws as encodeValue does for what cannot be sent.
 */
export function encodeTransferring(value: unknown): { payload: Payload; transferred: object[] } {
  const { result, transferred } = collectingTransfers(() => encodeValue(value));
  return { payload: result, transferred };
}

// A worker that is never handed a Connection neither compiles nor initialises
// Connection's code (the bundle serves it from connection.cjs).
registerTransferableLoader('Connection', () => import('../connection/connection.js'));

/**
 * Decodes, in the child, what encodeTransferring encoded; `receiver` says
 * where each object arrived. Loads the code of what it may hold first.
 */
export async function decodeTransferred(payload: Payload, receiver: TransferReceiver): Promise<unknown> {
  if (mayHoldTransferables(payload)) await loadTransferables();
  if (needsSharedRevival(payload.text)) await loadSharedRevival();
  return receivingTransfers(receiver, () => decodeValue(payload));
}
