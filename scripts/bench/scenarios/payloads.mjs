// @ts-check
// Payloads: 1 MiB there and back (E), one variant per payload type.
import { pipeChild } from '../baselines.mjs';
import { cpythonPoolRows } from './cpython-pool.mjs';
import { MiB, WORKERS, now, withPool } from './helpers.mjs';

/** @typedef {import('./helpers.mjs').Scenario} Scenario */
/** @typedef {import('./helpers.mjs').RunOptions} RunOptions */

/**
 * Round trips per second of `once`, after one unmeasured call.
 * @param {() => Promise<unknown>} once
 * @param {RunOptions} options
 */
async function roundTripRate(once, { quick }) {
  await once();
  const n = echoes(quick);
  const start = now();
  for (let i = 0; i < n; i += 1) await once();
  return n / ((now() - start) / 1000);
}

/** E's payloads, one variant each; CPython's of the same kind (python/pool_bench.py makes the same). */
const payloads = { string: () => 'x'.repeat(MiB), Buffer: () => Buffer.alloc(MiB, 7) };
const pythonPayloads = { string: 'str', Buffer: 'bytes' };
/** Round trips at most, the first 1 s of them. @param {boolean} quick */
const echoes = (quick) => (quick ? 8 : 32);

// (E) 1 MiB payloads there and back: MiB/s of payload.
/** @type {Scenario} */
export const E = {
  title: 'E. 1 MiB echo (MiB/s each way, higher is better; baseline: raw fd-3 pipe, 1 MiB Buffer frames)',
  baseline: {
    name: 'raw fd-3 pipe',
    run: async ({ quick }) => {
      const child = await pipeChild();
      const payload = Buffer.alloc(MiB, 7);
      const rate = await roundTripRate(() => child.roundTrip(payload), { quick });
      child.close();
      return rate;
    },
  },
  // What a string costs any pool on this Node: the same pipe, the text encoded
  // and decoded as UTF-8 on both sides.
  references: {
    utf8: {
      variant: 'string',
      name: 'raw fd-3 pipe, the string as UTF-8 text on both sides',
      run: async ({ quick }) => {
        const child = await pipeChild({ strings: true });
        const text = 'x'.repeat(MiB);
        const echo = async () => (await child.roundTrip(Buffer.from(text, 'utf8'))).toString('utf8');
        const rate = await roundTripRate(echo, { quick });
        child.close();
        return rate;
      },
    },
    ...cpythonPoolRows(({ quick, variant }) => [
      'echo',
      String(WORKERS),
      pythonPayloads[/** @type {keyof typeof pythonPayloads} */ (variant)],
      String(echoes(quick)),
    ]),
  },
  unit: 'MiB/s',
  variants: payloads,
  run: (subject, { quick, variant }) =>
    withPool(subject, {}, async (pool) => {
      const payload = payloads[/** @type {keyof typeof payloads} */ (variant)]();
      await subject.call(pool, 'echo', payload);
      const n = echoes(quick);
      const start = now();
      // Up to n round trips, fewer once 1 s has passed (a pool that moves
      // ~1 MiB/s would otherwise take half a minute per trial).
      let done = 0;
      while (done < n && (done < 2 || now() - start < 1000)) {
        await subject.call(pool, 'echo', payload);
        done += 1;
      }
      return done / ((now() - start) / 1000);
    }),
};
