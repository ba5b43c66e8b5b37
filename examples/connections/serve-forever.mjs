import net from 'node:net';
import { AuthenticationError, Client, EOFError, Listener } from '@procpool/core';

const authkey = Buffer.from('use crypto.randomBytes(32) in real life');
const listener = new Listener(undefined, { authkey }); // a Unix socket in a private directory

async function serveForever() {
  for (;;) {
    let conn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (error instanceof AuthenticationError || error instanceof EOFError) {
        console.log(`turned a client away: ${error.name}`);
        continue; // that client only: the next accept() serves the next one
      }
      return; // the listener was closed (or the OS refused, e.g. EMFILE)
    }
    void echo(conn); // not awaited: back to accept() at once
  }
}

async function echo(conn) {
  try {
    for (;;) conn.sendBytes(await conn.recvBytes(64 * 1024));
  } catch {
    conn.close(); // EOFError: the client has gone
  }
}

const serving = serveForever();
await Client(listener.address, { authkey: Buffer.from('a guess') }).catch((error) =>
  console.log(`the client got ${error.name}`),
);
const intruder = net.connect(listener.address); // does not even speak the protocol
intruder.on('error', () => {});
intruder.end('GET / HTTP/1.1\r\n\r\n');
const conn = await Client(listener.address, { authkey });
conn.sendBytes(Buffer.from('still serving'));
console.log((await conn.recvBytes()).toString());
conn.close();
listener.close();
await serving;
// turned a client away: AuthenticationError
// the client got AuthenticationError
// turned a client away: AuthenticationError
// still serving
