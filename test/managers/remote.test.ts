import { randomBytes } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { AuthenticationError, BaseManager, EOFError, Manager, ProcessError, SyncManager } from '@procpool/core';
import { getItems, putItems, serveQueue } from '../../fixtures/manager-remote.mjs';
import { makePool, makeProcess } from '../helpers/pools.js';
import { signalServer } from '../helpers/signals.js';

// Python's _TestRemoteManager: a server in one process (getServer().serveForever()),
// reached over TCP with the authkey handshake by processes that connect().

describe('remote managers over TCP', () => {
  test('one process serves a queue; one connects and puts, another connects and gets', async () => {
    const signals = await signalServer();
    const authkey = randomBytes(16).toString('hex');
    const server = makeProcess({ target: serveQueue, args: [signals.path, authkey] });
    server.start();
    const { value } = await signals.next();
    const { address, managerAddress } = value as { address: [string, number]; managerAddress: [string, number] };
    // Port 0 became a real port, and the manager's address says so too.
    expect(address[0]).toBe('127.0.0.1');
    expect(address[1]).toBeGreaterThan(0);
    expect(managerAddress).toEqual(address);

    const pool = makePool(2);
    const items = [1, 'two', { three: [3] }, new Map([[4, 4]])];
    const got = pool.apply(getItems, [address[1], authkey, items.length]);
    expect(await pool.apply(putItems, [address[1], authkey, items])).toBe('Queue');
    expect(await got).toEqual(items);

    // A wrong key is refused by the handshake.
    class Client extends BaseManager {}
    const wrong = new Client({ address, authkey: randomBytes(16) });
    await expect(wrong.connect()).rejects.toThrow(AuthenticationError);

    server.terminate();
    await server.join();
  });

  test('a started manager on TCP port 0 has the real port; another manager connects to it with the key', async () => {
    const authkey = randomBytes(16);
    await using manager = new SyncManager({ address: ['127.0.0.1', 0], authkey });
    await manager.start();
    const address = manager.address as [string, number];
    expect(address[1]).toBeGreaterThan(0);
    const d = await manager.dict({ a: 1 });

    const client = new SyncManager({ address, authkey });
    await client.connect();
    const d2 = await client.dict({ b: 2 });
    expect(await d2.get('b')).toBe(2);
    expect(await client.objectCount()).toBe(2);
    expect(await d.get('a')).toBe(1);
    // A connected manager's shutdown() leaves the server running.
    await client.shutdown();
    expect(await manager.objectCount()).toBe(2);

    // A wrong key is refused even though this process already has an authenticated connection
    // there, and the refusal leaves the right key in use.
    await expect(new SyncManager({ address, authkey: Buffer.from('wrong') }).connect()).rejects.toThrow(
      AuthenticationError,
    );
    await expect(new SyncManager({ address }).connect()).rejects.toThrow(AuthenticationError);
    expect(await d.get('a')).toBe(1);
  });

  test('connect() without an address, or to a port nobody serves, fails clearly', async () => {
    await expect(new SyncManager().connect()).rejects.toThrow(/connect\(\) needs the address of a running manager/);
    // A port that was just free: bind a manager, note its port, shut it down.
    const manager = new SyncManager({ address: ['127.0.0.1', 0] });
    await manager.start();
    const address = manager.address as [string, number];
    await manager.shutdown();
    const refused = new SyncManager({ address }).connect();
    await expect(refused).rejects.toThrow(ProcessError);
    await expect(refused).rejects.toThrow(/Cannot reach the manager at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  test('Manager({ address }) on a Unix socket path serves there', async () => {
    await using manager = await Manager();
    expect(typeof manager.address).toBe('string');
    const client = new SyncManager({ address: manager.address ?? undefined });
    await client.connect();
    const list = await client.list([1, 2]);
    expect(await list.copy()).toEqual([1, 2]);
  });

  test('a manager restarts on the address its last one used (Python’s _TestManagerRestart); old proxies fail, not reach the new server', async () => {
    const authkey = randomBytes(16);
    const first = new SyncManager({ address: ['127.0.0.1', 0], authkey });
    await first.start();
    const address = first.address as [string, number];
    const queue = await first.Queue<string>();
    await queue.put('old');
    await first.shutdown();
    await using second = new SyncManager({ address, authkey });
    await second.start();
    expect(second.address).toEqual(address);
    const d = await second.dict({ z: 1 });
    expect(await d.get('z')).toBe(1);
    // The old queue's id could name one of the new server's objects: its calls must fail instead.
    await expect(queue.get({ block: false })).rejects.toThrow(EOFError);
    expect(await second.objectCount()).toBe(1);
  });
});
