import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { methods, notForThreads, skipForThreads } from '../helpers/pools.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { signalServer } from '../helpers/signals.js';

const fixture = fileURLToPath(new URL('../../fixtures/parent-with-spinning-workers.mjs', import.meta.url));

// Each guard, for workers started the usual way and from the start-up snapshot.
const guards = [
  ['the kernel (setpriv --pdeathsig)', {}],
  ['the watchdog thread (no setpriv)', { PROCPOOL_NO_SETPRIV: '1' }],
].flatMap(([how, env]) => [
  [how, 'as usual', env],
  [how, 'from the snapshot', env],
]) as Array<[string, 'as usual' | 'from the snapshot', Record<string, string>]>;

skipForThreads('no orphans: workers die when their parent is SIGKILLed', notForThreads.orphans);

describe.each(methods)('no orphans (%s)', (context) => {
  test.each(guards)(
    'workers spinning in a synchronous loop die when their parent is SIGKILLed: %s, workers started %s',
    async (_how, start, env) => {
      const signals = await signalServer();
      const parent = spawn(
        process.execPath,
        [fixture, signals.path, context, start === 'as usual' ? 'usual' : 'snapshot'],
        {
          stdio: 'inherit',
          env: { ...process.env, ...env },
        },
      );
      const workers = [(await signals.next()).pid, (await signals.next()).pid];
      expect(workers.every(isAlive)).toBe(true);
      parent.kill('SIGKILL');
      // The kernel's parent-death signal does it; 10 s is a generous limit to wait, not a speed goal.
      await waitFor(() => !workers.some(isAlive), `workers ${workers.join(', ')} to die with their parent`);
    },
  );
});
