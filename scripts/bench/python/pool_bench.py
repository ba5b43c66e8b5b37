"""CPython's multiprocessing.Pool, timed the way the bench times the Node pools (A–F).

python3 pool_bench.py <fork|spawn> blocks <workers> <warm>
python3 pool_bench.py <fork|spawn> burst <workers> <count>
python3 pool_bench.py <fork|spawn> map <workers> <count>
python3 pool_bench.py <fork|spawn> cpu <workers> <count> <ms>
python3 pool_bench.py <fork|spawn> recycle <workers> <count>
python3 pool_bench.py <fork|spawn> echo <workers> <str|bytes> <count>
python3 pool_bench.py <fork|spawn> first-result <workers>

Each makes Pool(workers) with the start method's context and does what the
scenario of the same letter does to a Node pool:
blocks (A): `warm` unmeasured apply(noop, (i,)), then the parent (all its
  threads) on CPU 0 and the workers on CPU 1, one line "ready"; each line read
  after it, a count n, runs n apply round trips and answers with their µs per
  round trip, until stdin ends (the bench's Node side takes turns with it).
burst (B): `count` apply_async of a no-op, then every result waited for, one
  unmeasured round first; tasks/s.
map (B2): 4 × workers no-ops at once, then map(noop, range(count)) with the
  default chunksize; items/s.
cpu (C): the same warm-up, then `count` apply_async(cpu, (ms,)) at once, each
  busy for `ms` ms; ms in all.
recycle (D): Pool(workers, maxtasksperchild=1), then `count` apply_async of a
  no-op at once; tasks/s.
echo (E): a 1 MiB str or bytes, apply(echo, (payload,)) once unmeasured, then up
  to `count` times, fewer once 1 s has passed (at least 2); MiB/s each way.
first-result (F): from Pool(workers) to the first apply's result, ms; then, after
  300 ms idle, the RSS of the pool's processes (every descendant, the workers and
  any helper such as spawn's resource tracker) divided by `workers`, MiB; and
  the import of multiprocessing.pool, ms.

Except for blocks, prints one JSON line: {"value": x} and, for first-result,
{"value": ms, "extra": [rss, import_ms]}. Times are taken with time.perf_counter
around what is measured only. Nothing is pinned but blocks (as the bench pins A
only).
"""

import json
import os
import sys
import time

_import_start = time.perf_counter()
import multiprocessing  # noqa: E402
import multiprocessing.pool  # noqa: E402

IMPORT_MS = (time.perf_counter() - _import_start) * 1000

from pinning import pin  # noqa: E402

MIB = 1024 * 1024


def noop(x):
    return x


def cpu(ms):
    # Busy for `ms` milliseconds, as workers/functions.cjs's cpu is.
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass
    return ms


def echo(value):
    return value


def warm(pool, workers):
    # As the bench's warm(): 4 tasks per worker at once.
    for result in [pool.apply_async(noop, (i,)) for i in range(workers * 4)]:
        result.get()


def blocks(pool, workers, warm_count):
    for i in range(warm_count):
        pool.apply(noop, (i,))
    # Pinned after the warm-up: by then every worker and handler thread exists.
    pin(os.getpid(), 0)
    for child in multiprocessing.active_children():
        pin(child.pid, 1)
    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        start = time.perf_counter()
        for i in range(count):
            pool.apply(noop, (i,))
        print((time.perf_counter() - start) * 1e6 / count, flush=True)


def at_once(pool, fn, args_list):
    for result in [pool.apply_async(fn, args) for args in args_list]:
        result.get()


def burst(pool, count):
    at_once(pool, noop, [(i,) for i in range(count)])
    start = time.perf_counter()
    at_once(pool, noop, [(i,) for i in range(count)])
    return count / (time.perf_counter() - start)


def map_rate(pool, workers, count):
    warm(pool, workers)
    items = list(range(count))
    start = time.perf_counter()
    pool.map(noop, items)
    return count / (time.perf_counter() - start)


def cpu_ms(pool, workers, count, ms):
    warm(pool, workers)
    start = time.perf_counter()
    at_once(pool, cpu, [(ms,)] * count)
    return (time.perf_counter() - start) * 1000


def recycle(pool, count):
    start = time.perf_counter()
    at_once(pool, noop, [(i,) for i in range(count)])
    return count / (time.perf_counter() - start)


def echo_rate(pool, kind, count):
    payload = "x" * MIB if kind == "str" else bytes([7]) * MIB
    pool.apply(echo, (payload,))
    start = time.perf_counter()
    done = 0
    while done < count and (done < 2 or time.perf_counter() - start < 1):
        if len(pool.apply(echo, (payload,))) != MIB:
            raise SystemExit("the echo came back short")
        done += 1
    return done / (time.perf_counter() - start)


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0


def first_result(context, workers):
    start = time.perf_counter()
    pool = context.Pool(workers)
    pool.apply(noop, (1,))
    ms = (time.perf_counter() - start) * 1000
    time.sleep(0.3)
    rss = sum(rss_mib(pid) for pid in descendants(os.getpid())) / workers
    pool.terminate()
    pool.join()
    return {"value": ms, "extra": [rss, IMPORT_MS]}


def main(argv):
    method, kind, workers = argv[0], argv[1], int(argv[2])
    context = multiprocessing.get_context(method)
    if kind == "first-result":
        print(json.dumps(first_result(context, workers)))
        return
    pool = context.Pool(workers, maxtasksperchild=1 if kind == "recycle" else None)
    try:
        if kind == "blocks":
            blocks(pool, workers, int(argv[3]))
            return
        if kind == "burst":
            value = burst(pool, int(argv[3]))
        elif kind == "map":
            value = map_rate(pool, workers, int(argv[3]))
        elif kind == "cpu":
            value = cpu_ms(pool, workers, int(argv[3]), float(argv[4]))
        elif kind == "recycle":
            value = recycle(pool, int(argv[3]))
        elif kind == "echo":
            value = echo_rate(pool, argv[3], int(argv[4]))
        else:
            raise SystemExit(f"unknown measurement {kind}")
    finally:
        pool.terminate()
        pool.join()
    print(json.dumps({"value": value}))


if __name__ == "__main__":
    main(sys.argv[1:])
