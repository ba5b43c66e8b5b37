import { randomBytes } from 'node:crypto';
import { Client, Listener, wait } from '@procpool/core';

const authkey = randomBytes(32); // both sides must know it; always use one on TCP
const listener = new Listener(['127.0.0.1', 0], { authkey });
try {
  const address = await listener.ready(); // [ '127.0.0.1', <the port the OS chose> ]

  // accept() runs the server's half of the handshake, Client() the client's.
  const [client, server] = await Promise.all([Client(address, { authkey }), listener.accept()]);
  client.sendBytes(Buffer.from('hello'));
  console.log((await server.recvBytes()).toString()); // hello

  console.log(await wait([client, server], 100)); // [] (nothing to read within 100 ms)
  server.sendBytes(Buffer.from('hi back'));
  console.log((await wait([client, server]))[0] === client); // true

  // A client with the wrong key: AuthenticationError on both sides.
  const [bad, refused] = await Promise.allSettled([
    Client(address, { authkey: Buffer.from('guess') }),
    listener.accept(),
  ]);
  console.log(bad.reason.name, refused.reason.name); // AuthenticationError AuthenticationError
  client.close();
  server.close();
} finally {
  listener.close();
}
