// What a worker's socket pair costs at its start (launch/launch.ts does this
// once per worker): a new 0700 directory, a Unix socket server in it, a
// connection with `onread`, its accept, then the server and directory gone.
// Prints the median and 90th percentile over 200 rounds.
//   node probes/pipe-rendezvous.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const onread = { buffer: Buffer.alloc(64), callback: () => true };
const once = () =>
  new Promise((resolve) => {
    const start = performance.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rendezvous-'));
    const socketPath = path.join(dir, 'w');
    const server = net.createServer({ pauseOnConnect: true });
    server.listen({ path: socketPath, exclusive: true });
    const ours = net.connect({ path: socketPath, onread });
    server.once('connection', (theirs) => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
      const took = performance.now() - start;
      theirs.destroy();
      ours.destroy();
      resolve(took);
    });
  });
const times = [];
for (let i = 0; i < 200; i += 1) times.push(await once());
times.sort((a, b) => a - b);
console.log(`socket pair: median ${times[100].toFixed(3)} ms, p90 ${times[180].toFixed(3)} ms`);
