import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

// Reads "+ PGID" and "- PGID" lines; at end of input (procpool exited or
// died, even by SIGKILL: the kernel closes the pipe) it SIGKILLs the groups
// still listed. Plain sh: no second Node process (~40 ms and ~40 MiB) for it.
const SCRIPT = `groups=' '
while read -r op group; do
  case $op in
    +) groups="$groups$group " ;;
    -) groups="\${groups%% $group *} \${groups#* $group }" ;;
  esac
done
for group in $groups; do kill -9 "-$group" 2>/dev/null; done`;

/**
 * Kills exec's commands, each a process group of its own, with everything
 * they started, should procpool die without killing them itself. The
 * watchdog is a /bin/sh in a group of its own (a terminal's Ctrl-C does not
 * reach it); without /bin/sh there is none, and nothing else changes.
 */
export class GroupWatchdog {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    this.#child.on('error', () => {});
    this.#child.stdin!.on('error', () => {});
    // Neither the watchdog nor its pipe keeps procpool running.
    this.#child.unref();
    (this.#child.stdin as Socket).unref();
  }

  add(group: number): void {
    this.#child.stdin!.write(`+ ${group}\n`);
  }

  remove(group: number): void {
    this.#child.stdin!.write(`- ${group}\n`);
  }

  /** Lets it go: the groups it still lists (none after a clean end) are killed. */
  close(): void {
    this.#child.stdin!.end();
  }
}
