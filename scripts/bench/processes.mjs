// @ts-check
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Every live process below `root` (children, their children, …), zombies left
 * out. The bench and the tests share it (test/helpers/processes.ts re-exports
 * it), so it stays plain JavaScript.
 * @param {number} [root]
 * @returns {Array<{ pid: number, cmdline: string }>}
 */
export function descendants(root = process.pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone, or not ready yet
    }
  }
  /** @type {Array<{ pid: number, cmdline: string }>} */
  const out = [];
  const stack = [...(children.get(root) ?? [])];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone
    }
    out.push({ pid, cmdline });
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

// The trial's threads when this module loaded (the main thread, V8's and
// libuv's): any thread started after them is a thread pool's worker.
const ownThreads = new Set(threads());

/** The ids of this process's threads. */
function threads() {
  try {
    return readdirSync('/proc/self/task');
  } catch {
    return [];
  }
}

// A sequential round trip costs ~30 µs when the parent and its child share a
// CPU and ~120 µs when they do not, and the kernel keeps each process where it
// landed: two identical process.send children in one process measured
// 0.39–2.17× of each other. A therefore pins the trial process to CPU 0 and
// all its children to CPU 1 (with taskset, on a machine with 2 CPUs or more),
// so every pool and baseline pays the same cross-CPU wake-up. Only the trial's
// main thread is pinned to CPU 0; a thread pool's workers (the threads started
// after this module loaded) go to CPU 1 as a child would: left free, piscina's
// A moved between 27 and 94 µs from one trial to the next with where its
// threads landed.
export function pinApart() {
  if (os.availableParallelism() < 2) return;
  /** @param {string[]} flags @param {number} cpu @param {number | string} pid */
  const pin = (flags, cpu, pid) => {
    try {
      execFileSync('taskset', [...flags, String(cpu), String(pid)], { stdio: 'ignore' });
    } catch {
      // no taskset, or the process is gone: left where it is
    }
  };
  pin(['-cp'], 0, process.pid);
  for (const tid of threads()) if (!ownThreads.has(tid)) pin(['-cp'], 1, tid);
  for (const { pid } of descendants()) pin(['-a', '-cp'], 1, pid);
}
