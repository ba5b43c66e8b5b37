import fs from 'node:fs/promises';

const PAGE = 4096;

/**
 * Resident memory (bytes) of each process group led by one of `leaders`:
 * the sum over every process in the group, read from /proc (Linux; elsewhere
 * nothing is measured). A command's children count against its limit.
 */
export async function groupMemory(leaders: readonly number[]): Promise<Map<number, number>> {
  const usage = new Map<number, number>();
  if (leaders.length === 0 || process.platform !== 'linux') return usage;
  const wanted = new Set(leaders);
  const pids = (await fs.readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
      // Fields after the command name, which may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const group = Number(fields[2]);
      if (!wanted.has(group)) return;
      usage.set(group, (usage.get(group) ?? 0) + Number(fields[21]) * PAGE);
    }),
  );
  return usage;
}
