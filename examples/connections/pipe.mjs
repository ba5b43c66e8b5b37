import { Pipe } from '@procpool/core';

const [a, b] = Pipe();
a.send({ when: new Date(0), ids: new Set([1, 2]), n: 10n });
console.log(await b.recv()); // { when: 1970-01-01T00:00:00.000Z, ids: Set(2) { 1, 2 }, n: 10n }

b.sendBytes(Buffer.from('raw'));
console.log(await a.recvBytes()); // <Buffer 72 61 77>

// A producer that bounds its memory with drain(), and a reader that stops at EOF.
const producing = (async () => {
  for (let i = 1; i <= 3; i += 1) {
    a.send(`message ${i}`);
    await a.drain();
  }
  a.close();
})();
for await (const message of b) console.log(message); // message 1, message 2, message 3
await producing;
