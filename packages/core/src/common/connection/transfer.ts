import type net from 'node:net';

import { ProcessError } from '../errors.js';
import { type Connection, connectionFriends as friends } from './connection.js';
import { claimSocket, relayTo } from './pipe.js';

// How a Connection in a Process's args or a Pool's initargs reaches the child:
// encodeTransferring() (codec/transfers.ts) lists it and stops this copy
// reading (connection.ts's reduce); childEndOf() says what the spawn gives the
// child; the child rebuilds it from the descriptor (connection.ts's revive).
// This process keeps its copy open, as Python does: closing it is what lets
// the other end see EOF once the child has closed its own.

/** What the spawn gives the child for one transferred Connection. */
export interface ChildEnd {
  /** A stdio entry: our socket (its fd is duplicated into the child) or 'pipe' when its socket is not there yet. */
  stdio: net.Socket | 'pipe';
  /**
   * Called after the spawn with our end of that stdio entry (null unless
   * stdio was 'pipe'; null too if the spawn failed). `started: false` says
   * the spawn failed when stdio was a socket: this copy then reads again.
   */
  spawned(ourEnd: net.Socket | null, started?: boolean): void;
}

/** The stdio entry for `connection`, which encodeTransferring() listed; throws if it is closed. */
export function childEndOf(connection: Connection): ChildEnd {
  if (connection.closed) throw new ProcessError('Cannot pass a closed Connection to a child');
  const socket = claimSocket(connection);
  if (socket !== null) {
    return {
      stdio: socket,
      spawned: (_ourEnd, started = true) => (started ? friends.passed(connection) : friends.unpass(connection)),
    };
  }
  return {
    stdio: 'pipe',
    spawned: (ourEnd) => {
      if (ourEnd === null) {
        friends.unpass(connection);
        return;
      }
      friends.passed(connection);
      relayTo(connection, ourEnd);
    },
  };
}
