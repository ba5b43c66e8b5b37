import { processesWithEnv } from './helpers/processes.js';

export default async function globalTeardown(): Promise<void> {
  const marker = `PROCPOOL_TEST_RUN=${process.env.PROCPOOL_TEST_RUN ?? ''}`;
  // Killed workers take a moment to be reaped; give them up to 3 s.
  let left = processesWithEnv(marker);
  for (let waited = 0; left.length > 0 && waited < 3000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesWithEnv(marker);
  }
  if (left.length === 0) return;
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  throw new Error(
    `The test suite left ${left.length} process(es) behind:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`,
  );
}
