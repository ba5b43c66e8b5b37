import type { TransferReceiver } from '../common/codec/transfers.js';
import { INHERITED_FD } from '../common/protocol.js';

/** Where a child finds the objects its arguments transferred: fd INHERITED_FD on, in order. */
export const INHERITED: TransferReceiver = { fd: (index) => INHERITED_FD + index };
