// @ts-check
// `node probes/command.mjs [lines,…] [chunksize,…] [rounds]`: `procpool map` of
// O's tiny task over each count of lines with each --chunksize (-j 2, file to
// file, --quiet), watched from outside as O and O2 watch it: items/s, the
// parent's peak RSS and CPU time, its workers' (peaks summed). Defaults:
// 100 000 and 1 000 000 lines, --chunksize 1 and 256, 1 round. Whether memory
// stays flat as the input grows, and where a change moves the parent's CPU per item.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { procpoolMap, writeNumbers } from '../procpool-command.mjs';

const [counts = '100000,1000000', chunksizes = '1,256', rounds = '1'] = process.argv.slice(2);
const MiB = 2 ** 20;
const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-probe-command-'));
try {
  for (const count of counts.split(',').map(Number)) {
    const input = writeNumbers(dir, count);
    for (let round = 0; round < Number(rounds); round += 1)
      for (const chunksize of chunksizes.split(',')) {
        const { ms, parent, children } = await procpoolMap(input, count, path.join(dir, 'out'), [
          '--chunksize',
          chunksize,
        ]);
        const line = [
          `${count} lines, --chunksize ${chunksize}:`,
          `${Math.round(count / (ms / 1000))} items/s;`,
          `parent: peak ${(parent.rss / MiB).toFixed(1)} MiB, CPU ${((parent.cpu * 1000) / count).toFixed(2)} µs/item;`,
          `${children.count} workers: peaks ${(children.rss / MiB).toFixed(1)} MiB,`,
          `CPU ${((children.cpu * 1000) / count).toFixed(2)} µs/item`,
        ];
        console.log(line.join(' '));
      }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
