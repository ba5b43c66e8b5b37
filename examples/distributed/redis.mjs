// A throwaway redis-server for the demo: a free port on 127.0.0.1, a temporary
// directory, no persistence (nothing is written to disk), stopped by stop().
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

// True once the redis-server `pid` answers PING (not another server that took the port).
function pong(port, pid) {
  return new Promise((resolve) => {
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\nINFO server\r\n'));
    socket.setEncoding('utf8');
    socket.on('data', (text) => {
      reply += text;
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match !== null) done(reply.startsWith('+PONG') && Number(match[1]) === pid);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** Starts redis-server (the executable at `server`); `onSpawn` gets its process and directory at once, for cleanup. */
export async function startRedis(server, onSpawn) {
  const dir = mkdtempSync(path.join(tmpdir(), 'procpool-demo-redis-'));
  const log = path.join(dir, 'redis.log');
  // Another process may take the free port before redis binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['--port', `${port}`, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    // --set-proc-title no: its title would overwrite its environment, where the tests look for what leaked.
    args.push('--set-proc-title', 'no', '--dir', dir, '--logfile', log);
    // detached: a Ctrl-C in the terminal reaches the demo, which stops redis last.
    const child = spawn(server, args, { stdio: 'ignore', detached: true });
    onSpawn(child, dir);
    let failed = null;
    child.once('error', (error) => (failed = error)); // e.g. not executable
    const running = () => failed === null && child.exitCode === null && child.signalCode === null;
    while (running() && !(await pong(port, child.pid))) await sleep(10);
    if (running()) {
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
        rmSync(dir, { recursive: true, force: true });
      };
      return { url: `redis://127.0.0.1:${port}`, child, dir, stop };
    }
    let said = '';
    try {
      said = readFileSync(log, 'utf8');
    } catch {
      // it never got as far as its log
    }
    if (!said.includes('Address already in use') || attempt === 5) {
      rmSync(dir, { recursive: true, force: true });
      const how = failed?.message ?? `exit code ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${server} did not start (${how})${said && `:\n${said}`}`);
    }
  }
}
