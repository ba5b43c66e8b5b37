"""CPU pinning for the bench's CPython peers: the parent on CPU 0, the rest on CPU 1."""

import os


def pin(pid, cpu):
    """Pins every thread of `pid` (a manager's connection threads, an executor's
    manager and feeder threads do the process's I/O) to `cpu`."""
    if (os.cpu_count() or 1) < 2:
        return
    try:
        tids = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    for tid in tids:
        try:
            os.sched_setaffinity(tid, {cpu})
        except OSError:
            pass
