import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const run = promisify(execFile);
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const TS = ['--import', root('fixtures/register-ts.mjs')];

/** Whether `doc` shows `file` word for word, in a fence of its language. */
function expectShown(doc: string, file: string): void {
  const fence = file.endsWith('.ts') ? 'ts' : 'js';
  expect(readFileSync(root(doc), 'utf8')).toContain('```' + fence + '\n' + readFileSync(root(file), 'utf8') + '```');
}

async function runExample(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, [...(file.endsWith('.ts') ? TS : []), root(file)], {
    timeout: 60_000,
  });
  return stdout;
}

test.each([
  ['docs/queues.md', 'examples/queues/main.ts', '{ i: 0 }\n{ i: 1 }\n{ i: 2 }\ntrue\n[ 1, 4, 9, 16 ]\n'],
  [
    'docs/synchronization.md',
    'examples/synchronization/main.ts',
    '100\n-128\n-9223372036854775808n\nall three are here\ntrue true\nfalse\n',
  ],
  ['docs/managers.md', 'examples/managers/main.ts', "4\n[ 1, 2, 3, 4 ]\n{ x: 1, y: 'two' }\n5\n"],
  ['docs/managers.md', 'examples/managers/register.mjs', '11\nCounter 1\n0\n'],
])('%s shows %s word for word, and it prints what its comments say', async (doc, file, output) => {
  expectShown(doc, file);
  expect(await runExample(file)).toBe(output);
});

test.each([
  ['docs/queues.md', 'examples/queues/tasks.ts'],
  ['docs/synchronization.md', 'examples/synchronization/tasks.ts'],
  ['docs/managers.md', 'examples/managers/tasks.ts'],
  ['docs/managers.md', 'examples/managers/counter.mjs'],
])('%s shows %s word for word', (doc, file) => {
  expectShown(doc, file);
});

test('docs/queues.md shows examples/queues/host-exit.ts word for word: a get waiting on a queue whose process exits rejects with EOFError naming it', async () => {
  expectShown('docs/queues.md', 'examples/queues/host-exit.ts');
  const lines = (await runExample('examples/queues/host-exit.ts')).split('\n');
  expect(lines.slice(0, 2)).toEqual(['made in a child', 'true']);
  expect(lines[2]).toMatch(/^The process that holds this shared object \(Process-1 \(pid \d+\)\) is gone: /);
});

test("docs/managers.md's remote queue: queue-server.mjs serves its own queue over TCP, queue-client.mjs puts to it", async () => {
  expectShown('docs/managers.md', 'examples/managers/queue-server.mjs');
  expectShown('docs/managers.md', 'examples/managers/queue-client.mjs');
  const server = spawn(process.execPath, [root('examples/managers/queue-server.mjs'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(server, 'exit');
  try {
    let stdout = '';
    server.stdout.setEncoding('utf8');
    const serving = new Promise<string>((resolve) => {
      server.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const port = /^serving on port (\d+)\n/.exec(stdout)?.[1];
        if (port !== undefined) resolve(port);
      });
    });
    const port = await Promise.race([
      serving,
      exited.then(() => Promise.reject(new Error(`server exited: ${stdout}`))),
    ]);
    await run(process.execPath, [root('examples/managers/queue-client.mjs'), port], { timeout: 60_000 });
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(stdout).toBe(`serving on port ${port}\nhello\n`);
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
  }
});
