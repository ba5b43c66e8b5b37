import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tasks = fileURLToPath(new URL('../fixtures/tasks.mjs', import.meta.url));

// A parent started with `node -e` has its script in execArgv; a fork worker that
// inherited it would run the parent again, and fork again, without end.
test.each([
  ['node -e (CommonJS)', ['-e']],
  ['node --input-type=module -e', ['--input-type=module', '-e']],
  ['node --print', ['-p']],
])('a fork pool in a %s parent runs its tasks, not the parent script', async (_name, flags) => {
  const script =
    `import('@procpool/core').then(async ({ Pool }) => {` +
    `const { square, whoAmI } = await import(${JSON.stringify(tasks)});` +
    `const pool = new Pool({ processes: 2, context: 'fork', execArgv: ['--no-warnings'] });` +
    `const [value, who] = await Promise.all([pool.apply(square, [7]), pool.apply(whoAmI)]);` +
    `await pool.terminate(); process.stdout.write(JSON.stringify({ value, execArgv: who.execArgv }) + '\\n'); })`;
  // Resolved from the repository root, as a user's script resolves the package.
  const { stdout } = await run(process.execPath, [...flags, script], { timeout: 30_000, cwd: root });
  // `node -p` also prints the script's value (a Promise): read our line.
  const line = stdout.split('\n').find((l) => l.startsWith('{')) as string;
  const report = JSON.parse(line) as { value: number; execArgv: string[] };
  expect(report.value).toBe(49);
  expect(report.execArgv).toEqual(['--no-warnings']);
});
