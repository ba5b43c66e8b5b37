import { mkdtempSync, rmSync } from 'node:fs';
import { fitsSocketPath } from '../../common/socket-path.js';
import net from 'node:net';
import path from 'node:path';
import { lazyOs } from '../../common/builtins.js';

// Each worker's pipe is a Unix socket pair whose parent end we connect
// ourselves, to read it with net's `onread` option (docs/design.md): a server
// in a new 0700 directory takes that one connection, whose accepted end
// becomes the worker's fd 3; server and directory go before the worker starts.
// Where that cannot work, the worker gets child_process's own pipe.
export interface Rendezvous {
  server: net.Server;
  socketPath: string;
  close(): void;
}

/** How long counting what a dead worker left unread may take (a grandchild may hold its fd 3). */
const UNREAD_DRAIN_MS = 500;
// False once it is known that no socket can work here; a failure that may pass
// (say, out of file descriptors) only makes this one worker use a 'pipe'.
let socketsWork = process.platform !== 'win32' && process.env.PROCPOOL_NO_SOCKET !== '1';
// Directories of servers still waiting for their connection, removed if the
// process exits first (a pool made and dropped in one synchronous run).
const pendingDirs = new Set<string>();
let exitHookInstalled = false;

function removeDir(dir: string): void {
  pendingDirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

export function listenForWorker(): Rendezvous | null {
  if (!socketsWork) return null;
  let dir: string;
  try {
    dir = mkdtempSync(path.join(lazyOs().tmpdir(), 'procpool-pipe-'));
  } catch {
    return null;
  }
  const socketPath = path.join(dir, 'w');
  if (!fitsSocketPath(socketPath)) {
    removeDir(dir);
    socketsWork = false;
    return null;
  }
  // pauseOnConnect: the parent never reads the accepted end (its bytes are the worker's).
  const server = net.createServer({ pauseOnConnect: true });
  server.on('error', () => {});
  // exclusive: in a cluster worker, listen here rather than through the primary.
  server.listen({ path: socketPath, exclusive: true });
  // A pipe server binds and listens synchronously; a failure leaves it not
  // listening (its 'error' follows on the next tick).
  if (!server.listening) {
    server.close();
    removeDir(dir);
    return null;
  }
  server.unref();
  pendingDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const pending of pendingDirs) removeDir(pending);
    });
  }
  let closed = false;
  return {
    server,
    socketPath,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      removeDir(dir);
    },
  };
}

// The worker has exited; whatever it had not read of what we wrote is still
// in its end of the socket, which we hold. Ending our writes lets that end
// read to its end (EOF) after the leftovers; closing it then lets our end
// read the worker's last answers to their end in turn.
export function countUnread(ours: net.Socket, theirs: net.Socket): Promise<number | null> {
  return new Promise((resolve) => {
    let unread = 0;
    const finish = (count: number | null): void => {
      clearTimeout(timer);
      theirs.destroy();
      resolve(count);
    };
    // Bounded: a grandchild that inherited the worker's fd 3 may read it too.
    const timer = setTimeout(() => finish(null), UNREAD_DRAIN_MS);
    theirs.on('data', (chunk: Buffer) => (unread += chunk.length));
    theirs.once('end', () => finish(unread));
    theirs.once('close', () => finish(null));
    ours.end();
    theirs.resume();
  });
}
