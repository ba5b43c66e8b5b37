"""CPython's shared objects, timed the way the bench times procpool's (K, L, M).

python3 shared_state_bench.py queue <child-puts|parent-puts> <warm> <count>
python3 shared_state_bench.py manager <dict-set|lock> <warm> <count>
python3 shared_state_bench.py lock <creator|child> <warm> <count>

Prints one JSON line: {"rate": x} (queue, items per second) or {"us": x}
(manager, lock: per operation). Fork start method; the parent on CPU 0 and
every other process (all its threads) on CPU 1, as the Node side pins them.
Times are taken with time.perf_counter around what is measured only.
"""

import json
import multiprocessing
import os
import sys
import time

from pinning import pin

# The item put; the bench's Node side puts the same shape.
ITEM = {"id": 1, "name": "small", "ok": True}


def pin_apart(*others):
    pin(os.getpid(), 0)
    for pid in others:
        pin(pid, 1)


def producer(queue, total):
    for i in range(total):
        queue.put({**ITEM, "id": i})
    queue.close()
    queue.join_thread()


def consumer(queue, acks, warm, count):
    # One ack after the unmeasured items, one after the measured ones.
    for _ in range(warm):
        queue.get()
    acks.put(warm)
    for _ in range(count):
        queue.get()
    acks.put(count)


def queue_rate(direction, warm, count):
    multiprocessing.set_start_method("fork")
    queue = multiprocessing.Queue()
    if direction == "child-puts":
        process = multiprocessing.Process(target=producer, args=(queue, warm + count))
        process.start()
        pin_apart(process.pid)
        for _ in range(warm):
            queue.get()
        start = time.perf_counter()
        for _ in range(count):
            queue.get()
        elapsed = time.perf_counter() - start
    else:
        acks = multiprocessing.Queue()
        process = multiprocessing.Process(target=consumer, args=(queue, acks, warm, count))
        process.start()
        pin_apart(process.pid)
        for i in range(warm):
            queue.put({**ITEM, "id": i})
        acks.get()
        start = time.perf_counter()
        for i in range(count):
            queue.put({**ITEM, "id": i})
        acks.get()
        elapsed = time.perf_counter() - start
    process.join(10)
    if process.exitcode != 0:
        raise SystemExit(f"the child exited with {process.exitcode}")
    return {"rate": count / elapsed}


def per_op_us(once, warm, count, before_measuring=lambda: None):
    for _ in range(warm):
        once()
    before_measuring()
    start = time.perf_counter()
    for _ in range(count):
        once()
    return (time.perf_counter() - start) * 1e6 / count


def manager_op(kind, warm, count):
    multiprocessing.set_start_method("fork")
    with multiprocessing.Manager() as manager:
        server = manager._process.pid
        if kind == "dict-set":
            d = manager.dict()
            i = 0

            def once():
                nonlocal i
                i += 1
                d[f"k{i % 100}"] = i

        else:
            lock = manager.Lock()

            def once():
                lock.acquire()
                lock.release()

        # Pinned after the warm-up: by then the server has the thread that serves this connection.
        return {"us": per_op_us(once, warm, count, lambda: pin_apart(server))}


def lock_loop(lock, conn, warm, count):
    def once():
        lock.acquire()
        lock.release()

    conn.send(per_op_us(once, warm, count))


def lock_op(where, warm, count):
    multiprocessing.set_start_method("fork")
    lock = multiprocessing.Lock()
    if where == "creator":
        pin_apart()

        def once():
            lock.acquire()
            lock.release()

        return {"us": per_op_us(once, warm, count)}
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=lock_loop, args=(lock, theirs, warm, count))
    process.start()
    pin_apart(process.pid)
    us = ours.recv()
    process.join(10)
    return {"us": us}


def main(argv):
    kind, how, warm, count = argv[0], argv[1], int(argv[2]), int(argv[3])
    if kind == "queue":
        result = queue_rate(how, warm, count)
    elif kind == "manager":
        result = manager_op(how, warm, count)
    elif kind == "lock":
        result = lock_op(how, warm, count)
    else:
        raise SystemExit(f"unknown measurement {kind}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
