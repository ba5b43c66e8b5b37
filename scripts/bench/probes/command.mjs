// @ts-check
// `node probes/command.mjs [lines,…] [chunksize,…] [rounds] [--wide]`: `procpool map`
// of O's tiny task over each count of lines with each --chunksize (-j 2, file
// to file, --quiet), watched from outside as O and O2 watch it: items/s, the
// parent's peak RSS and CPU per item, its workers' (peaks summed). Defaults:
// 100 000 and 1 000 000 lines, --chunksize 1 and 256, 1 round. --wide: lines of
// 1 000 bytes, passed as text (--lines) to a task that keeps a worker busy for
// 50 µs each, so that the parent's window of lines in flight stays full.
// Whether memory stays flat as the input grows, and where a change moves the
// parent's CPU per item.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { procpoolMap, writeNumbers, writeWide } from '../procpool-command.mjs';

const wide = process.argv.includes('--wide');
const [counts = '100000,1000000', chunksizes = '1,256', rounds = '1'] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'));
const MiB = 2 ** 20;
const dir = mkdtempSync(path.join(os.tmpdir(), 'procpool-probe-command-'));
try {
  for (const count of counts.split(',').map(Number)) {
    const input = wide ? writeWide(dir, count, 1000) : writeNumbers(dir, count);
    for (let round = 0; round < Number(rounds); round += 1)
      for (const chunksize of chunksizes.split(',')) {
        const flags = ['--chunksize', chunksize, ...(wide ? ['--lines'] : [])];
        const out = path.join(dir, 'out');
        const { ms, parent, children } = await procpoolMap(input, count, out, flags, wide ? 'size' : 'inc');
        const line = [
          `${count}${wide ? ' wide' : ''} lines, --chunksize ${chunksize}:`,
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
