"""How fast this host runs Python right now, and what its cores give two processes at once.

Benchmarks on a shared virtual machine swing by a third within minutes. Each benchmark that
prints a speed can print this reference beside it, so that two figures taken at different
moments can be compared: a fixed pure-Python loop (dictionary updates), timed in fresh
processes.

    python bench/hostspeed.py
"""

from __future__ import annotations

import subprocess
import sys

#: The reference loop: about one second of interpreter work on the development machine.
LOOP = (
    "import time\n"
    "t = time.perf_counter()\n"
    "d = {}\n"
    "for i in range(8_000_000):\n"
    "    d[i % 1000] = d.get(i % 1000, 0) + i\n"
    "print(time.perf_counter() - t)\n"
)


def loop_seconds(processes: int = 1, rounds: int = 3) -> float:
    """Return the seconds of the reference loop run in ``processes`` processes at once.

    The slowest process of a round counts, and the fastest round of ``rounds``.
    """
    best = float("inf")
    for _ in range(rounds):
        procs = [subprocess.Popen([sys.executable, "-c", LOOP], stdout=subprocess.PIPE, text=True)
                 for _ in range(processes)]
        best = min(best, max(float(p.communicate()[0]) for p in procs))
    return best


def cpu_ticks() -> tuple[int, int] | None:
    """Return ``(stolen, total)``: the machine's CPU time so far, in clock ticks, and the part
    of it the hypervisor gave to other guests (``steal`` of ``/proc/stat``); None off Linux.

    The difference of two readings says how much of a run's time this virtual machine's cores
    were taken away: a 2-job run hit by it scales worse than the host's cores allow.
    """
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Return the share of the machine's CPU time stolen between two :func:`cpu_ticks` readings
    (None when either is unknown)."""
    if before is None or after is None:
        return None
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def machine_ceiling(rounds: int = 3) -> tuple[float, float, float]:
    """Return ``(one, two, ceiling)``: the reference loop's seconds alone and in two processes
    at once, and ``2 * one / two``, the speed-up two jobs can give at most on this machine."""
    one, two = loop_seconds(1, rounds), loop_seconds(2, rounds)
    return one, two, 2 * one / two


if __name__ == "__main__":
    one, two, ceiling = machine_ceiling()
    print(f"reference loop: {one:.2f} s alone, {two:.2f} s in two processes at once "
          f"(fastest of 3): two jobs give {ceiling:.2f}x at most here")
