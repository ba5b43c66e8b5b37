// @ts-check
// The procpool command as a shell user runs it (O, O2, O3): its bin, an input
// file of numbers, and a command watched from outside through /proc, its peak
// RSS and CPU time and those of every process below it, without changing
// what it runs.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin (`scripts/setup.sh` builds it), run with `node` as its shebang would. */
export const BIN = fileURLToPath(new URL('../../packages/procpool/dist/cli/main.js', import.meta.url));
/** The tiny task: a task module for `procpool map`, a script of its own for `xargs` and `parallel`. */
export const TASK = fileURLToPath(new URL('./workers/cli-task.cjs', import.meta.url));

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/**
 * `count` lines, the numbers 0 to count − 1, into FILE in `dir`.
 * @param {string} dir
 * @param {number} count
 */
export function writeNumbers(dir, count) {
  const file = path.join(dir, `numbers-${count}.jsonl`);
  const fd = openSync(file, 'w');
  try {
    // 64 Ki lines a write: a million lines without a million-line string.
    for (let from = 0; from < count; from += 65_536) {
      const to = Math.min(count, from + 65_536);
      writeFileSync(fd, `${Array.from({ length: to - from }, (_, i) => from + i).join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/**
 * `count` lines of `bytes` x's each into FILE in `dir` (probes/command.mjs's --wide input).
 * @param {string} dir
 * @param {number} count
 * @param {number} bytes
 */
export function writeWide(dir, count, bytes) {
  const file = path.join(dir, `wide-${count}.txt`);
  const fd = openSync(file, 'w');
  try {
    const block = `${'x'.repeat(bytes)}\n`.repeat(1024);
    for (let from = 0; from < count; from += 1024)
      writeFileSync(fd, from + 1024 <= count ? block : block.slice(0, (count - from) * (bytes + 1)));
  } finally {
    closeSync(fd);
  }
  return file;
}

/** @param {string} file */
export async function lineCount(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes = /** @type {Buffer} */ (chunk);
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
  }
  return lines;
}

/**
 * A process's peak RSS so far (VmHWM, bytes) and CPU time so far (user + system, ms), or null once it is gone.
 * @param {number} pid
 */
function sample(pid) {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has no memory left to report: keep what was seen before.
    if (hwm === null) return null;
    return { rss: Number(hwm[1]) * 1024, cpu: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS };
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) of this process's children once waited for, each with the
 * children it waited for in turn: the whole tree of a command that reaps its own.
 */
function reapedCpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
}

/** @param {number} pid @returns {number[]} its children, from every thread's list */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * What `watch` saw: wall time to exit; the CPU time of the command and every
 * process below it (exact, from the kernel's accounting once they are waited
 * for); the command's own peak RSS and CPU time, and its descendants' (each
 * process's peak, summed; CPU summed; how many), as last sampled.
 * @typedef {object} Watched
 * @property {number} ms
 * @property {number} cpu
 * @property {number | null} code
 * @property {string} stderr
 * @property {{ rss: number, cpu: number }} parent
 * @property {{ rss: number, cpu: number, count: number }} children
 */

/**
 * Runs `command args` with stdin from `input` and stdout into `output` (files,
 * or ignored), sampling it and every process below it every `every` ms: a
 * peak is the last VmHWM seen, so at most `every` ms of growth before a
 * process exits goes unseen.
 * @param {string} command
 * @param {string[]} args
 * @param {{ input?: string, output?: string, every?: number }} [options]
 * @returns {Promise<Watched>}
 */
export async function watch(command, args, { input, output, every = 10 } = {}) {
  const stdin = input === undefined ? 'ignore' : openSync(input, 'r');
  const stdout = output === undefined ? 'ignore' : openSync(output, 'w');
  /** @type {Map<number, { rss: number, cpu: number }>} */
  const seen = new Map();
  const cpuBefore = reapedCpu();
  const start = performance.now();
  const child = spawn(command, args, { stdio: [stdin, stdout, 'pipe'] });
  const root = /** @type {number} */ (child.pid);
  const poll = () => {
    for (let pids = [root]; pids.length; pids = pids.flatMap(childrenOf))
      for (const pid of pids) {
        const now = sample(pid);
        if (now !== null) seen.set(pid, now);
      }
  };
  poll();
  const timer = setInterval(poll, every);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text) => (stderr += text));
  let ms = 0;
  let cpu = 0;
  child.once('exit', () => {
    ms = performance.now() - start;
    cpu = reapedCpu() - cpuBefore;
  });
  try {
    // 'close': after 'exit', and after the last of stderr.
    /** @type {number | null} */
    const code = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    const parent = seen.get(root) ?? { rss: 0, cpu: 0 };
    const others = [...seen].filter(([pid]) => pid !== root).map(([, s]) => s);
    const sum = (/** @type {'rss' | 'cpu'} */ key) => others.reduce((total, s) => total + s[key], 0);
    return { ms, cpu, code, stderr, parent, children: { rss: sum('rss'), cpu: sum('cpu'), count: others.length } };
  } finally {
    clearInterval(timer);
    for (const fd of [stdin, stdout]) if (typeof fd === 'number') closeSync(fd);
  }
}

/**
 * `node BIN map TASK#task` over FILE into OUT with `flags` (-j 2 --quiet and
 * whatever else): throws unless it exits 0 with a line per input line.
 * @param {string} file
 * @param {number} count its lines
 * @param {string} out
 * @param {string[]} flags
 * @param {'inc' | 'size'} [task]
 */
export async function procpoolMap(file, count, out, flags, task = 'inc') {
  const args = [BIN, 'map', `${TASK}#${task}`, '--input', file, '--output', out, '-j', '2', '--quiet', ...flags];
  const watched = await watch(process.execPath, args);
  if (watched.code !== 0) throw new Error(`procpool map exited with ${watched.code}: ${watched.stderr.slice(0, 200)}`);
  const lines = await lineCount(out);
  if (lines !== count) throw new Error(`procpool map wrote ${lines} lines for ${count}`);
  return watched;
}
