import { readdirSync, readFileSync } from 'node:fs';

// Kept here, not in helpers/: jest loads the global teardown outside its module mapper.
function processesWithEnv(marker: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, waiting to be reaped
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone between readdir and read
    }
  }
  return found;
}

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
