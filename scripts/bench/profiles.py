"""py-spy profiles for ``scripts.bench``, summarised as plain text.

``py-spy record --format raw --nolineno`` writes one collapsed stack per line with its
sample count; idle threads (a worker blocked in ``accept``) are left out by py-spy, so
shares are of the time the process was running Python. The summary keeps function names
and package-relative files only: no arguments, no locals, nothing a resident typed.

* own time: samples whose innermost frame is the function (C extensions' time counts
  for the Python function that called them: GEOS inside ``shapely.contains_xy``, a
  socket write inside ``gunicorn.util.write``);
* total time: samples with the function anywhere on the stack;
* own time by package: the same samples grouped by the file's top-level package.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RATE = 250  # samples per second: enough for a few thousand samples in a short window
TOP_OWN = 15
TOP_TOTAL = 25
TRUNK = 0.98  # frames on at least this share of stacks are the trunk, not listed
_LINE = re.compile(r":\d+\)$")


def ensure_py_spy() -> str | None:
    """The py-spy next to this Python (pip-installed into the venv if missing), or None."""
    here = Path(sys.executable).parent / "py-spy"
    if here.exists():
        return str(here)
    found = shutil.which("py-spy")
    if found:
        return found
    print("  (installing py-spy into this Python)", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "py-spy"],
        capture_output=True,
        timeout=600,
        check=False,
    )
    return str(here) if here.exists() else shutil.which("py-spy")


def _record_opts(out: Path, rate: int) -> list[str]:
    return ["--format", "raw", "--nolineno", "--rate", str(rate), "--output", str(out)]


def record_pid(
    py_spy: str, pid: int, seconds: float, out: Path, *, subprocesses: bool = True
) -> Path | None:
    """Sample a running process (and, by default, its children: gunicorn's workers) for
    ``seconds``. Non-blocking: the sampled process is never paused, so the profile does
    not slow the very requests it measures."""
    cmd = [py_spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))]
    cmd += ["--nonblocking", *_record_opts(out, RATE)]
    if subprocesses:
        cmd.append("--subprocesses")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    return out if done.returncode == 0 and out.exists() else None


def record_command(
    py_spy: str,
    argv: Sequence[str],
    out: Path,
    *,
    until: float | None = None,
    rate: int = RATE,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[Path | None, float]:
    """Run ``argv`` under py-spy until it exits, or for at most ``until`` seconds (then
    SIGINT to py-spy, which writes the profile and ends the program). Returns the raw
    file and the wall seconds."""
    cmd = [py_spy, "record", "--subprocesses", *_record_opts(out, rate), "--", *argv]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=until)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    wall = time.perf_counter() - t0
    return (out if out.exists() else None), wall


@dataclass(frozen=True)
class Summary:
    samples: int
    own: list[tuple[str, float, float]]  # function, own share, total share
    total: list[tuple[str, float]]  # every function, by total share
    packages: list[tuple[str, float]]
    own_all: dict[str, float]  # every function's own share


def _package(frame: str) -> str:
    """``write (gunicorn/util.py)`` -> ``gunicorn``; frozen importlib -> ``importlib``."""
    inside = frame.rpartition("(")[2].rstrip(")")
    if inside.startswith("<frozen "):
        return inside.removeprefix("<frozen ").split(".")[0].rstrip(">")
    head = inside.split("/")[0]
    return head.removesuffix(".py") or "?"


def summarise(raw: Path, skip: Sequence[str] = ()) -> Summary:
    """Own and total shares per function from a py-spy raw file. Stacks containing any
    frame that starts with one of ``skip`` are left out (e.g. the gunicorn master's
    housekeeping loop, when only the workers' requests matter)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    n = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [_LINE.sub(")", f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames or any(f.startswith(tuple(skip)) for f in frames if skip):
            continue
        c = int(count)
        n += c
        own[frames[-1]] += c
        packages[_package(frames[-1])] += c
        for f in set(frames):
            total[f] += c
    share = 1 / n if n else 0.0
    return Summary(
        samples=n,
        own=[(f, c * share, total[f] * share) for f, c in own.most_common(TOP_OWN)],
        total=[(f, c * share) for f, c in total.most_common()],
        packages=[(p, c * share) for p, c in packages.most_common(12)],
        own_all={f: c * share for f, c in own.items()},
    )


def write_summary(
    path: Path,
    title: str,
    how: Sequence[str],
    s: Summary,
    per_request_us: float | None = None,
    baseline: tuple[str, Summary, float] | None = None,
) -> str:
    """Write the plain-text summary to ``path`` and return it. ``per_request_us``: the
    sampled CPU time per request in µs, to show each share as µs per request too;
    ``baseline`` (name, summary, its µs per request): list what this profile spends per
    request beyond the baseline's, function by function."""

    def cost(share: float) -> str:
        return f" {share * per_request_us:7.0f}" if per_request_us else ""

    head = " us/req" if per_request_us else ""
    lines = [title, "=" * len(title), *how, f"samples (non-idle): {s.samples:,}"]
    if per_request_us:
        lines.append(f"CPU time per request: ~{per_request_us:.0f} us (master and workers)")
    lines += ["", f"top {TOP_OWN} functions by own time", f"   own  total{head}  function (file)"]
    lines += [f"{o:6.1%} {t:6.1%}{cost(o)}  {f}" for f, o, t in s.own]
    lines += ["", "own time by package"]
    lines += [f"{o:6.1%}{cost(o)}  {p}" for p, o in s.packages]
    # The common trunk (interpreter start, gunicorn's loop) is on nearly every stack.
    below = [(f, t) for f, t in s.total if t < TRUNK][:TOP_TOTAL]
    lines += ["", f"top {TOP_TOTAL} functions by total (inclusive) time, below the trunk"]
    lines += [f"{t:6.1%}{cost(t)}  {f}" for f, t in below]
    if per_request_us and baseline:
        name, base, base_us = baseline
        extra = {
            f: s.own_all.get(f, 0.0) * per_request_us - base.own_all.get(f, 0.0) * base_us
            for f in set(s.own_all) | set(base.own_all)
        }
        lines += [
            "",
            f"own time per request beyond {name} (~{per_request_us - base_us:.0f} us/req more "
            "in all): the functions that make the difference",
            "  us/req  function (file)",
        ]
        lines += [f" {d:7.0f}  {f}" for f, d in sorted(extra.items(), key=lambda kv: -kv[1])[:20]]
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def own_table(s: Summary, n: int = TOP_OWN) -> list[str]:
    """The top ``n`` own-time lines, for the benchmark's console output."""
    return [f"{o:6.1%} own {t:6.1%} total  {f}" for f, o, t in s.own[:n]]
