// Where a decoder that may meet a handle makes sure every kind of shared
// object can be rebuilt: loading this module loads them all.
import { setSharedReviver } from '../codec/shared.js';
import './condition.js';
import './events.js';
import './locks.js';
import './queues.js';
import './values.js';
import { reviveShared } from './shared-object.js';

/** Lets the codec rebuild handles in this process (idempotent). */
export function installSharedRevival(): void {
  setSharedReviver(reviveShared as (wire: unknown) => unknown);
}
installSharedRevival();
