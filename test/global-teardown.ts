import { readdirSync, readFileSync, rmSync } from 'node:fs';

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

// An empty process-tree directory (temp-dir.ts) of a jest process still running (this one, in
// band): its root removes it at exit, after this teardown; a child's leftovers would be inside it.
function isLiveTreeDir(tmp: string, name: string): boolean {
  const match = /^procpool-(\d+)-[0-9a-f]+$/.exec(name);
  if (match === null) return false;
  try {
    process.kill(Number(match[1]), 0);
    return readdirSync(`${tmp}/${name}`).length === 0;
  } catch {
    return false;
  }
}

// What the suite left in its temporary directory (pipe directories of workers,
// files of tests), which is then removed. ts-node's compile cache
// (v8-compile-cache-lib) is meant to stay there and is not counted.
function leftInTmp(): string[] {
  const tmp = process.env.PROCPOOL_TEST_TMPDIR;
  if (tmp === undefined) return [];
  const left = readdirSync(tmp).filter((name) => !name.startsWith('v8-compile-cache') && !isLiveTreeDir(tmp, name));
  rmSync(tmp, { recursive: true, force: true });
  return left;
}

export default async function globalTeardown(): Promise<void> {
  const marker = `PROCPOOL_TEST_RUN=${process.env.PROCPOOL_TEST_RUN ?? ''}`;
  // Killed workers take a moment to be reaped; give them up to 3 s.
  let left = processesWithEnv(marker);
  for (let waited = 0; left.length > 0 && waited < 3000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesWithEnv(marker);
  }
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const problems: string[] = [];
  if (left.length > 0) {
    problems.push(
      `The test suite left ${left.length} process(es) behind:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n')}`,
    );
  }
  const files = leftInTmp();
  if (files.length > 0) problems.push(`The test suite left ${files.join(', ')} in its temporary directory`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
