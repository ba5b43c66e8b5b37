import { isAddress, SERVER_ID } from './protocol.js';
import { clientOf, hostedAt } from './hosts.js';

/**
 * Ends transits no receiver will take (the item that carried the handles was
 * refused, or its queue freed with it still in): their objects are freed if
 * nothing else holds them. `wires`: `[address, object id, token]` each, as
 * encodingTransits() listed them.
 */
function endTransits(wires: readonly unknown[]): void {
  for (const wire of wires) {
    if (!Array.isArray(wire)) continue;
    const [address, id, token] = wire as unknown[];
    if (!isAddress(address) || typeof id !== 'number' || typeof token !== 'string') continue;
    const server = hostedAt(address);
    if (server !== undefined) server.untransit(id, token);
    else clientOf(address, 'the process that holds a shared object').notify(SERVER_ID, 'untransit', [id, token]);
  }
}

/** Ends the transits a queue item lists (see queues.ts: encodeItem). */
export function endItemTransits(item: object): void {
  const { t } = item as { t?: unknown };
  if (Array.isArray(t)) endTransits(t);
}
