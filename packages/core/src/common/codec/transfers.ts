import { collectingTransfers, receivingTransfers, type TransferReceiver } from './transferables.js';
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

/** Decodes, in the child, what encodeTransferring encoded; `receiver` says where each object arrived. */
export function decodeTransferred(payload: Payload, receiver: TransferReceiver): unknown {
  return receivingTransfers(receiver, () => decodeValue(payload));
}
