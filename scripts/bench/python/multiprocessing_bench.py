"""CPython's multiprocessing, timed the way the bench times procpool.

python3 multiprocessing_bench.py start-join <fork|spawn> <warm> <count>
python3 multiprocessing_bench.py round-trip <send|bytes> <warm> <count>
python3 multiprocessing_bench.py throughput <warm MiB> <MiB>

Prints one JSON line: {"ms": [...]} (start-join, one per measured Process),
{"us": x} (round-trip, per round trip), {"mibs": x} (throughput, MiB/s).
Times are taken with time.perf_counter around what is measured only.
"""

import json
import multiprocessing
import os
import sys
import time

MIB = 1024 * 1024
# The small value of a round trip; the bench's Node side sends the same.
SMALL = {"id": 1, "name": "small", "ok": True}
SMALL_BYTES = b"0123456789abcdef"


def pin(cpu):
    # As the bench pins a Node trial (processes.mjs, pinApart): the parent on CPU 0, its child on CPU 1.
    if (os.cpu_count() or 1) >= 2:
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass


def nothing():
    pass


def echo(conn):
    pin(1)
    # None ends it: the child may hold an inherited copy of the parent's end (fork), so EOF may never come.
    while True:
        value = conn.recv()
        if value is None:
            return
        conn.send(value)


def echo_bytes(conn):
    pin(1)
    while True:
        data = conn.recv_bytes()
        if not data:
            return
        conn.send_bytes(data)


def sink(conn):
    # Counts what arrives; an empty message asks for the count so far, b"q" ends it.
    received = 0
    while True:
        data = conn.recv_bytes()
        if data == b"q":
            return
        if not data:
            conn.send_bytes(str(received).encode())
        else:
            received += len(data)


def start_join(method, warm, count):
    context = multiprocessing.get_context(method)
    times = []
    for i in range(warm + count):
        start = time.perf_counter()
        process = context.Process(target=nothing)
        process.start()
        process.join()
        elapsed = time.perf_counter() - start
        if process.exitcode != 0:
            raise SystemExit(f"the child exited with {process.exitcode}")
        if i >= warm:
            times.append(elapsed * 1000)
    return {"ms": times}


def with_child(target, use):
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=target, args=(theirs,))
    process.start()
    try:
        return use(ours)
    finally:
        process.join(5)
        if process.exitcode is None:
            process.kill()


def round_trip(kind, warm, count):
    pin(0)

    def use(conn):
        if kind == "send":
            send, recv, value, stop = conn.send, conn.recv, SMALL, None
        else:
            send, recv, value, stop = conn.send_bytes, conn.recv_bytes, SMALL_BYTES, b""
        for _ in range(warm):
            send(value)
            recv()
        start = time.perf_counter()
        for _ in range(count):
            send(value)
            recv()
        elapsed = time.perf_counter() - start
        send(stop)
        return {"us": elapsed * 1e6 / count}

    return with_child(echo if kind == "send" else echo_bytes, use)


def throughput(warm, count):
    block = bytes(MIB)

    def burst(conn, n):
        for _ in range(n):
            conn.send_bytes(block)
        conn.send_bytes(b"")
        return int(conn.recv_bytes())

    def use(conn):
        burst(conn, warm)
        start = time.perf_counter()
        received = burst(conn, count)
        elapsed = time.perf_counter() - start
        conn.send_bytes(b"q")
        if received != (warm + count) * MIB:
            raise SystemExit(f"the child received {received} bytes")
        return {"mibs": count / elapsed}

    return with_child(sink, use)


def main(argv):
    kind = argv[0]
    if kind == "start-join":
        result = start_join(argv[1], int(argv[2]), int(argv[3]))
    elif kind == "round-trip":
        result = round_trip(argv[1], int(argv[2]), int(argv[3]))
    elif kind == "throughput":
        result = throughput(int(argv[1]), int(argv[2]))
    else:
        raise SystemExit(f"unknown measurement {kind}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
