"""CPython's concurrent.futures.ProcessPoolExecutor, timed the way the bench times procpool's (N, N2).

python3 futures_bench.py round-trip <workers> <warm> <count>
python3 futures_bench.py blocks <workers> <warm>
python3 futures_bench.py burst <workers> <count>

round-trip: one future at a time, submit(noop, i).result(), `warm` unmeasured
first, then the parent (all its threads) on CPU 0 and the workers on CPU 1,
as the bench pins A. blocks: the same warm-up and pinning, then one line
"ready"; each line read after it, a count n, runs n round trips and answers
with their µs per round trip, until stdin ends (the bench's Node side takes
turns with it, as A does with process.send). burst: `count` futures submitted, then every result
waited for, one unmeasured round first (as B), unpinned (as B).

Except for blocks, prints one JSON line: {"us": x, "method": m} (round-trip, per future) or
{"rate": x, "method": m} (burst, futures per second); m is the start method,
the interpreter's default. Times are taken with time.perf_counter around
what is measured only.
"""

import concurrent.futures
import json
import multiprocessing
import os
import sys
import time

from pinning import pin


def noop(x):
    return x


def pin_apart():
    pin(os.getpid(), 0)
    for child in multiprocessing.active_children():
        pin(child.pid, 1)


def round_trip(executor, warm, count):
    for i in range(warm):
        executor.submit(noop, i).result()
    # Pinned after the warm-up: by then every worker and thread exists.
    pin_apart()
    start = time.perf_counter()
    for i in range(count):
        executor.submit(noop, i).result()
    return {"us": (time.perf_counter() - start) * 1e6 / count}


def blocks(executor, warm):
    for i in range(warm):
        executor.submit(noop, i).result()
    pin_apart()
    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        start = time.perf_counter()
        for i in range(count):
            executor.submit(noop, i).result()
        print((time.perf_counter() - start) * 1e6 / count, flush=True)
    return {}


def burst_round(executor, count):
    futures = [executor.submit(noop, i) for i in range(count)]
    for future in futures:
        future.result()


def burst(executor, count):
    burst_round(executor, count)
    start = time.perf_counter()
    burst_round(executor, count)
    return {"rate": count / (time.perf_counter() - start)}


def main(argv):
    kind, workers = argv[0], int(argv[1])
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as executor:
        if kind == "round-trip":
            result = round_trip(executor, int(argv[2]), int(argv[3]))
        elif kind == "blocks":
            result = blocks(executor, int(argv[2]))
        elif kind == "burst":
            result = burst(executor, int(argv[2]))
        else:
            raise SystemExit(f"unknown measurement {kind}")
    if kind != "blocks":
        result["method"] = multiprocessing.get_start_method()
        print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
