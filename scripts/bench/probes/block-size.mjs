// A's method (pinned apart, warm, the subject and a process.send child taking
// turns in blocks) at several block sizes, for procpool and a peer. Switching
// between two children on one CPU costs something each time; the smaller the
// blocks, the more of that cost a ratio measures besides the round trip.
//   node probes/block-size.mjs [subject, default procpool] [sizes, default 50,200,1000]
import { ipcChild } from '../baselines.mjs';
import { pinApart } from '../processes.mjs';
import { subjects } from '../subjects.mjs';

const subject = subjects[process.argv[2] ?? 'procpool'];
const sizes = (process.argv[3] ?? '50,200,1000').split(',').map(Number);
const pool = await subject.create({ workers: 2, recycle: false });
const child = await ipcChild('json');
const once = (i) => subject.call(pool, 'noop', i);
const base = (i) => child.roundTrip(i);
pinApart();
const warmUp = Number(process.argv[5] ?? 2000);
for (let i = 0; i < warmUp; i += 1) {
  await once(i);
  await base(i);
}
const perSize = Number(process.argv[4] ?? 10_000); // round trips of each, per block size
for (const size of sizes) {
  const spent = { mine: 0, theirs: 0 };
  const block = async (call, key) => {
    const start = performance.now();
    for (let i = 0; i < size; i += 1) await call(i);
    spent[key] += performance.now() - start;
  };
  for (let b = 0; b < perSize / size; b += 1) {
    const order =
      b % 2 === 0
        ? [
            [once, 'mine'],
            [base, 'theirs'],
          ]
        : [
            [base, 'theirs'],
            [once, 'mine'],
          ];
    for (const [call, key] of order) await block(call, key);
  }
  const micros = (key) => ((spent[key] * 1000) / perSize).toFixed(1);
  console.log(
    `blocks of ${size}: ${micros('mine')} µs against ${micros('theirs')}, ${(spent.mine / spent.theirs).toFixed(3)}×`,
  );
}
child.close();
await subject.close(pool);
