import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, test } from '@jest/globals';
import { isAlive } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';

// One command in RESP over a raw socket; resolves with the first reply line, or the connection error.
function command(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`),
    );
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const end = reply.indexOf('\r\n');
      if (end === -1) return;
      socket.destroy();
      // A bulk string: its header, then the value on the next line.
      resolve(reply.startsWith('$') && !reply.startsWith('$-1') ? reply.split('\r\n')[1]! : reply.slice(0, end));
    });
  });
}

describe('the test helper startRedis', () => {
  test('starts an empty redis-server without persistence that answers at its url, marked as this run', async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await expect(command(redis.port, 'PING')).resolves.toBe('+PONG');
    await expect(command(redis.port, 'DBSIZE')).resolves.toBe(':0');
    await expect(command(redis.port, 'CONFIG', 'GET', 'save')).resolves.toBe('*2');
    await expect(command(redis.port, 'CONFIG', 'GET', 'appendonly')).resolves.toBe('*2');
    // The suite's teardown finds a leaked one by this marker.
    const environ = readFileSync(`/proc/${redis.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`PROCPOOL_TEST_RUN=${process.env.PROCPOOL_TEST_RUN}`);
    await redis.stop();
    expect(isAlive(redis.pid)).toBe(false);
    await expect(command(redis.port, 'PING')).rejects.toThrow('ECONNREFUSED');
  });

  test('two servers get two ports', async () => {
    const [one, two] = await Promise.all([startRedis(), startRedis()]);
    expect(one.port).not.toBe(two.port);
    await expect(command(two.port, 'SET', 'k', 'v')).resolves.toBe('+OK');
    await expect(command(one.port, 'GET', 'k')).resolves.toBe('$-1');
  });

  test('restart() keeps the port and loses the data, after stop() or kill() too', async () => {
    const redis = await startRedis();
    const first = redis.pid;
    await expect(command(redis.port, 'SET', 'k', 'v')).resolves.toBe('+OK');
    await expect(command(redis.port, 'GET', 'k')).resolves.toBe('v');
    await redis.restart();
    expect(redis.pid).not.toBe(first);
    expect(isAlive(first)).toBe(false);
    await expect(command(redis.port, 'GET', 'k')).resolves.toBe('$-1');
    await command(redis.port, 'SET', 'k', 'v');
    await redis.kill();
    await expect(command(redis.port, 'PING')).rejects.toThrow('ECONNREFUSED');
    await redis.restart();
    await expect(command(redis.port, 'GET', 'k')).resolves.toBe('$-1');
  });

  test('a port in use fails clearly, with the log of redis-server', async () => {
    const redis = await startRedis();
    await expect(startRedis({ port: redis.port })).rejects.toThrow('Address already in use');
  });
});
