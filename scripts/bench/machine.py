"""The machine line, and how much of this shared machine other processes took meanwhile.

Other engineers run tests and servers on the same 2 cores, so a slow figure may be
theirs. ``CpuWatch`` compares the machine's busy time (``/proc/stat``, steal included)
with the CPU time of this benchmark's own process tree: this process, its reaped
children (``RUSAGE_CHILDREN``), its live descendants, and the ``postgres`` user's
processes (the throwaway PostGIS daemonises out of our tree). The rest is "foreign": a
section where it exceeds ``DISTURBED_SHARE`` of the machine is flagged as disturbed.
"""

from __future__ import annotations

import os
import platform
import pwd
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

CLK_TCK = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")
DISTURBED_SHARE = 0.10  # foreign CPU over 10 % of both cores: the figure is suspect


def _postgres_uid() -> int | None:
    try:
        return pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return None


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU-seconds of the whole machine since boot (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal  # guest time is inside user
    return busy / CLK_TCK, (busy + idle + iowait) / CLK_TCK


def _proc_table() -> dict[int, tuple[int, int, float]]:
    """pid -> (ppid, uid, utime+stime+cutime+cstime in seconds) for every process."""
    table: dict[int, tuple[int, int, float]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                text = f.read()
            uid = os.stat(f"/proc/{name}").st_uid
        except OSError:  # gone meanwhile
            continue
        rest = text.rpartition(")")[2].split()
        # After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15).
        cpu = sum(int(v) for v in rest[11:15]) / CLK_TCK
        table[int(name)] = (int(rest[1]), uid, cpu)
    return table


@dataclass(frozen=True)
class OwnCpu:
    """A snapshot of this benchmark's CPU time: this process and its reaped children
    (rusage), and each live process of its tree (pid -> parent, CPU seconds)."""

    rusage: float
    tree: dict[int, tuple[int, float]]


def own_cpu() -> OwnCpu:
    """This benchmark's process tree now (see the module doc)."""
    me = os.getpid()
    total = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _uid, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    counted: set[int] = set()
    todo = list(children.get(me, ()))
    while todo:
        pid = todo.pop()
        if pid not in counted:
            counted.add(pid)
            todo.extend(children.get(pid, ()))
    pg = _postgres_uid()
    if pg is not None:
        counted |= {pid for pid, (_p, uid, _c) in table.items() if uid == pg}
    return OwnCpu(total, {pid: (table[pid][0], table[pid][2]) for pid in counted})


def own_delta(a: OwnCpu, b: OwnCpu) -> float:
    """CPU seconds the tree used between two snapshots. A process that ended in between
    and was reaped by its parent in the tree (or by us) reappears in that parent's
    children time (or our rusage) with its whole life: its earlier count is taken off.
    One reaped elsewhere (the daemonised PostGIS, a worker outliving its master) is
    simply lost after its last snapshot."""
    me = os.getpid()
    delta = b.rusage - a.rusage
    for pid, (_ppid, cpu) in b.tree.items():
        delta += cpu - (a.tree[pid][1] if pid in a.tree else 0.0)
    for pid, (ppid, cpu) in a.tree.items():
        if pid not in b.tree and (ppid == me or ppid in b.tree):
            delta -= cpu
    return delta


@dataclass(frozen=True)
class CpuShare:
    """One interval: wall seconds, and shares of the machine's CPU capacity."""

    seconds: float
    busy: float  # the whole machine
    ours: float  # this benchmark's tree
    foreign: float  # everything else (other engineers' processes, steal)

    @property
    def disturbed(self) -> bool:
        return self.foreign > DISTURBED_SHARE

    def describe(self) -> str:
        return f"other processes {self.foreign:.0%} of the machine (ours {self.ours:.0%})"


class CpuWatch:
    """``start()`` then ``stop()``: the CPU shares of the interval in between."""

    def __init__(self) -> None:
        self._t = 0.0
        self._busy = self._total = 0.0
        self._own = OwnCpu(0.0, {})

    def start(self) -> CpuWatch:
        self._t = time.perf_counter()
        self._own = own_cpu()
        self._busy, self._total = machine_cpu()
        return self

    def stop(self) -> CpuShare:
        busy, total = machine_cpu()
        own = own_cpu()
        seconds = time.perf_counter() - self._t
        capacity = max(total - self._total, 1e-9)
        used = max(0.0, busy - self._busy)
        ours = min(max(0.0, own_delta(self._own, own)), used)
        return CpuShare(
            seconds=seconds,
            busy=used / capacity,
            ours=ours / capacity,
            foreign=(used - ours) / capacity,
        )


@dataclass(frozen=True)
class Pace:
    """How fast this shared machine runs Python right now: the speed of the same code
    drifts through the day here (seen: ~1.7x between two hours, nothing else running),
    so each run records it at its start and end, to compare runs by."""

    start_s: float  # ``python -c pass``, median of 5 (interpreter and site start)
    loop_ms: float  # a fixed pure-Python loop (dict and str work), best of 7

    def note(self) -> str:
        return f"python start {self.start_s * 1e3:.0f} ms, reference loop {self.loop_ms:.1f} ms"


def _reference_loop() -> int:
    d: dict[str, int] = {}
    for i in range(20_000):
        d[str(i)] = i * 2
    return sum(d.values())


def pace() -> Pace:
    starts = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        starts.append(time.perf_counter() - t)
    loops = []
    for _ in range(7):
        t = time.perf_counter()
        _reference_loop()
        loops.append(time.perf_counter() - t)
    return Pace(statistics.median(starts), min(loops) * 1e3)


def last_level_cache_bytes() -> int:
    """The largest CPU cache this machine reports (sysfs), 32 MiB when it says nothing."""
    sizes = []
    for path in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = path.read_text().strip().upper()
        scale = {"K": 1024, "M": 1024**2}.get(text[-1:], 1)
        with suppress(ValueError):
            sizes.append(int(text.rstrip("KM")) * scale)
    return max(sizes, default=32 * 1024**2)


class CacheSweep:
    """Evicts what a call left in the CPU caches, by writing a buffer (by default the
    size of the last-level cache): a request to a gunicorn worker finds them swept by
    wrk, the kernel and the other worker in between, and a warm loop hides that."""

    def __init__(self, size: int | None = None) -> None:
        import numpy as np

        self.bytes = size or last_level_cache_bytes()
        self._buf = np.ones(self.bytes // 8)

    def __call__(self) -> None:
        self._buf += 1.0

    def cold_seconds(self, call: Callable[[T], object], items: Iterable[T]) -> float:
        """Thread CPU time of ``call`` over ``items``, the caches swept before each."""
        spent = 0.0
        for item in items:
            self()
            t = time.thread_time()
            call(item)
            spent += time.thread_time() - t
        return spent


def machine_line() -> str:
    """CPU model, cores, memory, kernel and Python: what the figures were measured on."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model
            )
        with open("/proc/meminfo") as f:
            mem_kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (
        f"machine: {model}, {os.cpu_count()} cores, {mem_kb / 1024**2:.1f} GB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}; "
        f"load average {load} at start"
    )
