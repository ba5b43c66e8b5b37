// @ts-check
// CPython's multiprocessing as a reference row: runs a script of python/
// (multiprocessing_bench.py; shared_state_bench.py for K, L, M; futures_bench.py
// for N, N2), which times itself with time.perf_counter and prints one JSON line;
// or keeps one running and asks it for one measurement at a time (N's turns).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENSURE = fileURLToPath(new URL('../ensure-python.sh', import.meta.url));

/** The interpreter: the project's script finds (or installs) it where there is one. */
async function interpreter() {
  if (!existsSync(ENSURE)) return 'python3';
  try {
    const { stdout } = await run('bash', [ENSURE]);
    return stdout.trim();
  } catch (error) {
    const stderr = String(/** @type {{ stderr?: unknown }} */ (error).stderr ?? '').trim();
    throw new Error(`no python3 for the CPython rows: ${stderr || String(error)}`);
  }
}

/**
 * What the script printed for `args` (see its docstring).
 * @param {string[]} args
 * @param {string} [script] its name in python/
 * @returns {Promise<Record<string, unknown>>}
 */
export async function python(args, script = 'multiprocessing_bench.py') {
  const python3 = await interpreter();
  const path = fileURLToPath(new URL(`./python/${script}`, import.meta.url));
  try {
    const { stdout } = await run(python3, [path, ...args], { timeout: 110_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch (error) {
    const { code, stderr } = /** @type {{ code?: unknown, stderr?: unknown }} */ (error);
    // A missing python3 fails the row, never skips it.
    if (code === 'ENOENT') throw new Error(`${python3} not found: the CPython rows need python3 >= 3.8 on PATH`);
    throw new Error(
      `${python3} ${args.join(' ')}: ${String(stderr ?? error)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
}

/**
 * The script kept running with `args`: `ready` resolves once it prints its
 * first line, `ask(line)` writes a line and resolves to the next line it
 * prints, `close()` ends its input (and so the script).
 * @param {string[]} args
 * @param {string} script its name in python/
 */
export async function pythonServing(args, script) {
  const python3 = await interpreter();
  const child = spawn(python3, [fileURLToPath(new URL(`./python/${script}`, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  /** @type {Array<{ resolve: (line: string) => void, reject: (error: Error) => void }>} */
  const waiting = [];
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  const fail = (/** @type {Error} */ error) => {
    for (const { reject } of waiting.splice(0)) reject(error);
  };
  child.on('error', fail);
  child.on('exit', (code) => fail(new Error(`${python3} ${args.join(' ')} exited with ${code}`)));
  const ready = next();
  return {
    ready,
    /** @param {string} line */
    ask: (line) => {
      const answer = next();
      child.stdin.write(`${line}\n`);
      return answer;
    },
    close: () => child.stdin.end(),
  };
}
