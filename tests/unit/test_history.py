"""One refresh at a time per data folder, identical inputs publish nothing, and the
kept history staff list and roll back to (``lookup versions``, ``lookup rollback --to``).

Real refreshes of the demo county; concurrency with real threads and real processes
(a lock holder that is killed, a ``--wait`` that publishes after the holder is done).
"""

from __future__ import annotations

import codecs
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import demo_request
from lookup.dataset.lock import LOCK, RefreshBusy, refresh_lock
from lookup.dataset.publish import current_target, prune, version_history
from lookup.errors import DataError
from lookup.ingest.progress import Progress
from lookup.ingest.refresh import refresh, rollback

NOW = datetime(2028, 9, 1, 12, 0, tzinfo=UTC)
STARTED = "started 2028-09-01 12:00:00 UTC"
HOLDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from lookup.dataset.lock import refresh_lock
with refresh_lock(Path(sys.argv[1]), datetime(2028, 9, 1, 12, 0, tzinfo=UTC)):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    dst = tmp_path / "src"
    shutil.copytree(DEMO_SOURCES, dst)
    return dst


def move_a_polling_place(sources: Path, number: str) -> None:
    """Give precinct 001's Election Day place a new house number: a real change."""
    path = sources / "demo-polling-places-20281107.csv"
    text = path.read_bytes().decode("utf-16")
    row = next(line for line in text.split("\r\n") if "\tPCT 001\t" in line)
    cells = row.split("\t")
    cells[5] = number
    new = text.replace(row, "\t".join(cells))
    path.write_bytes(codecs.BOM_UTF16_LE + new.encode("utf-16-le"))


def names(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "versions").iterdir())


def log_names(data: Path) -> list[str]:
    return [line.split("\t")[1] for line in (data / "published.log").read_text().splitlines()]


def cli(*args: str, cache: Path) -> subprocess.Popen[str]:
    env = {"LOOKUP_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    return subprocess.Popen(
        [sys.executable, "-m", "lookup.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def refresh_args(sources: Path, data: Path) -> list[str]:
    return [
        "refresh",
        "--precincts",
        str(sources / "SBE_PRECINCTS_20280801.zip"),
        "--polling-places",
        str(sources / "demo-polling-places-20281107.csv"),
        "--early-voting",
        str(sources / "demo-one-stop-sites-20281107.txt"),
        "--addresses",
        str(sources / "Master_Address_Table_demo.csv"),
        "--county",
        "DEMO",
        "--election-date",
        "2028-11-07",
        "--demo",
        "--quiet",
        "--data-dir",
        str(data),
    ]


def run(*args: str, cache: Path) -> tuple[int, str, str]:
    p = cli(*args, cache=cache)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


class Holder:
    """A separate process holding the data folder's refresh lock."""

    def __init__(self, data: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0
        self._close()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        self._close()

    def _close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


class PausedAtValidation(Progress):
    """Holds its refresh at the validation step until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.reached, self.go = threading.Event(), threading.Event()

    def step(self, label: str) -> None:
        if label == "validating":
            self.reached.set()
            assert self.go.wait(60)


# ---- one refresh at a time -----------------------------------------------------------


def test_of_two_concurrent_refreshes_exactly_one_publishes(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert refresh(replace(demo_request(sources, data), version="v1"), NOW).published
    move_a_polling_place(sources, "99999")
    first = PausedAtValidation()
    reports = {}
    runner = threading.Thread(
        target=lambda: reports.setdefault(
            "first", refresh(replace(demo_request(sources, data), version="v2"), NOW, first)
        )
    )
    runner.start()
    try:
        assert first.reached.wait(60)
        # The first is mid-refresh (it has read the live version): the second refuses.
        second = refresh(replace(demo_request(sources, data), version="v3"), NOW)
        assert not second.published
        [error] = second.problems.errors
        assert error == (
            f"another refresh (pid {os.getpid()} on {os.uname().nodename}, {STARTED}) "
            f"is publishing into {data}"
        )
        assert current_target(data) == (data / "versions" / "v1").resolve()
        assert names(data) == ["v1"]
    finally:
        first.go.set()
        runner.join(60)
    assert reports["first"].published, reports["first"].lines()
    assert current_target(data) == (data / "versions" / "v2").resolve()
    assert names(data) == ["v1", "v2"] and log_names(data) == ["v1", "v2"]
    assert (data / LOCK).read_text() == ""  # released: no holder named to the next run


def test_a_second_cli_refresh_names_the_holder_and_leaves_live_data(
    sources: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert refresh(replace(demo_request(sources, data), version="v1"), NOW).published
    move_a_polling_place(sources, "99999")
    holder = Holder(data)
    try:
        code, out, err = run(*refresh_args(sources, data), cache=tmp_path / "cache")
    finally:
        holder.release()
    assert code == 4, out + err
    assert f"another refresh (pid {holder.proc.pid} on {os.uname().nodename}, {STARTED})" in err
    assert f"is publishing into {data}" in err and "--wait" in err
    assert out == ""
    assert current_target(data) == (data / "versions" / "v1").resolve()
    assert names(data) == ["v1"] and log_names(data) == ["v1"]


def test_wait_publishes_after_the_holder_is_done(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert refresh(replace(demo_request(sources, data), version="v1"), NOW).published
    move_a_polling_place(sources, "99999")
    holder = Holder(data)
    waiting = cli(*refresh_args(sources, data), "--wait", cache=tmp_path / "cache")
    try:
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert f"another refresh (pid {holder.proc.pid}" in line and "waiting" in line, line
        assert waiting.poll() is None  # still waiting
        assert names(data) == ["v1"]
    finally:
        holder.release()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out + err
    assert "published: yes" in out
    [new] = [n for n in names(data) if n != "v1"]
    assert current_target(data) == (data / "versions" / new).resolve()
    # Its change report was made against the version live when it published.
    assert "DEMO 001" in (data / "versions" / new / "changes.md").read_text()


def test_a_killed_holder_does_not_block(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = Holder(data)
    holder.kill()
    # Its record is still in the file, but the kernel released its lock when it died.
    assert f'"pid": {holder.proc.pid}' in (data / LOCK).read_text()
    report = refresh(replace(demo_request(sources, data), version="v1"), NOW)
    assert report.published, report.lines()
    # In one process too, a second hold of the same folder is refused.
    with refresh_lock(data, NOW):
        with pytest.raises(RefreshBusy, match=f"pid {os.getpid()}") as refused:
            refresh_lock(data, NOW).__enter__()
        assert STARTED in str(refused.value)


def test_a_killed_runs_temporary_folder_is_cleared(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    leftover = data / "versions" / ".tmp-v1"
    (leftover / "addresses").mkdir(parents=True)
    report = refresh(replace(demo_request(sources, data), version="v1"), NOW)
    assert report.published, report.lines()
    assert names(data) == ["v1"]


# ---- identical inputs publish nothing ------------------------------------------------


def test_identical_rerun_publishes_nothing(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = refresh(demo_request(sources, data), NOW)
    assert first.published, first.lines()
    later = refresh(demo_request(sources, data), NOW + timedelta(hours=1))
    assert not later.published and later.kept == first.version
    assert later.lines()[0] == f"no change: live version {first.version} kept"
    assert later.problems.errors == []
    assert names(data) == [first.version] and log_names(data) == [first.version]
    assert current_target(data) == (data / "versions" / first.version).resolve()
    # A real change publishes again.
    move_a_polling_place(sources, "99999")
    changed = refresh(demo_request(sources, data), NOW + timedelta(hours=2))
    assert changed.published and changed.version != first.version


def test_identical_rerun_on_the_command_line_exits_0(sources: Path, tmp_path: Path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    code, out, err = run(*refresh_args(sources, data), cache=cache)
    assert code == 0 and "published: yes" in out, out + err
    [live] = names(data)
    code, out, err = run(*refresh_args(sources, data), cache=cache)
    assert code == 0, out + err
    assert out.splitlines()[0] == f"no change: live version {live} kept"
    assert "published" not in out
    assert names(data) == [live] and log_names(data) == [live]


def test_reruns_do_not_push_the_last_good_version_out(sources: Path, tmp_path: Path) -> None:
    """The issue's case: three re-runs used to fill --keep with copies of one version."""
    data = tmp_path / "data"
    good = refresh(replace(demo_request(sources, data), keep=2), NOW)
    move_a_polling_place(sources, "99999")
    new = refresh(replace(demo_request(sources, data), keep=2), NOW + timedelta(hours=1))
    assert good.published and new.published
    for hour in (2, 3, 4):
        again = refresh(replace(demo_request(sources, data), keep=2), NOW + timedelta(hours=hour))
        assert again.kept == new.version
    assert names(data) == sorted([good.version, new.version])
    assert rollback(data, NOW + timedelta(hours=5)) == good.version


# ---- versions, rollback --to, keep ---------------------------------------------------


def publish_three(sources: Path, data: Path) -> None:
    for v in ("v1", "v2", "v3"):
        req = replace(demo_request(sources, data), version=v)
        assert refresh(req, NOW + timedelta(hours=int(v[1]))).published


def test_versions_lists_each_kept_version(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    publish_three(sources, data)
    code, out, err = run("versions", "--data-dir", str(data), cache=tmp_path / "cache")
    assert code == 0, err
    lines = out.splitlines()
    assert [line[:6].strip() for line in lines] == ["", "before", "live"]
    assert [line[7:].split()[0] for line in lines] == ["v1", "v2", "v3"]
    assert "2028-09-01 15:00:00  2028-11-07 General Election" in lines[2]
    assert "40 precincts, 37 polling places, 6 early-voting sites, 20888 addresses" in lines[2]
    assert "SBE_PRECINCTS_20280801.zip" in lines[2]
    assert "Master_Address_Table_demo.csv" in lines[2]
    # After a rollback, the one live before is the one rolled back from.
    assert rollback(data, NOW, to="v1") == "v1"
    marks = {v.name: (v.live, v.live_before) for v in version_history(data)}
    assert marks == {"v1": (True, False), "v2": (False, False), "v3": (False, True)}


def test_rollback_to_a_named_version_and_back(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    publish_three(sources, data)
    cache = tmp_path / "cache"
    code, out, err = run("rollback", "--data-dir", str(data), "--to", "v1", cache=cache)
    assert (code, out) == (0, "live again: v1\n"), err
    assert current_target(data) == (data / "versions" / "v1").resolve()
    # The default goes back to the one live before (v3), not to the previous folder (v2).
    code, out, err = run("rollback", "--data-dir", str(data), cache=cache)
    assert (code, out) == (0, "live again: v3\n"), err
    assert log_names(data) == ["v1", "v2", "v3", "v1", "v3"]
    code, out, err = run("rollback", "--data-dir", str(data), "--to", "v9", cache=cache)
    assert code == 3 and "no kept version 'v9' (kept: v1, v2, v3)" in err
    code, out, err = run("rollback", "--data-dir", str(data), "--to", "../data", cache=cache)
    assert code == 3 and "no kept version '../data'" in err
    with pytest.raises(DataError, match="v3 is already live"):
        rollback(data, NOW, to="v3")
    assert log_names(data) == ["v1", "v2", "v3", "v1", "v3"]


def test_rollback_is_refused_while_a_refresh_holds_the_folder(
    sources: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    publish_three(sources, data)
    holder = Holder(data)
    try:
        code, _out, err = run("rollback", "--data-dir", str(data), cache=tmp_path / "cache")
    finally:
        holder.release()
    assert code == 4 and f"another refresh (pid {holder.proc.pid}" in err
    assert current_target(data) == (data / "versions" / "v3").resolve()


def test_keep_never_removes_the_live_version_or_the_one_before(
    sources: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    publish_three(sources, data)
    (data / "versions" / "hand-made").mkdir()  # not in the log: never pruned
    assert rollback(data, NOW, to="v1") == "v1"
    # Newest first by going live: v1, v3, v2; keep=1 still keeps live v1 and before v3.
    assert prune(data, keep=1) == ["v2"]
    assert names(data) == ["hand-made", "v1", "v3"]
    assert rollback(data, NOW) == "v3"


def test_four_identical_runs_at_once_with_wait_publish_once(sources: Path, tmp_path: Path) -> None:
    """The issue's four runs in one second: now one publishes, three keep it, none fail."""
    from lookup.ingest.refresh import refresh_locked

    data = tmp_path / "data"
    reports = []

    def one() -> None:
        with refresh_lock(data, NOW, on_busy=lambda message: None):
            reports.append(refresh_locked(demo_request(sources, data), NOW))

    runners = [threading.Thread(target=one) for _ in range(4)]
    for t in runners:
        t.start()
    for t in runners:
        t.join(120)
    assert [r.problems.errors for r in reports] == [[]] * 4
    [published] = [r for r in reports if r.published]
    assert [r.kept for r in reports if not r.published] == [published.version] * 3
    assert names(data) == [published.version] and log_names(data) == [published.version]


def test_republish_writes_an_identical_version_on_purpose(sources: Path, tmp_path: Path) -> None:
    """For load and fault tests that need a publish: ``lookup refresh --republish``."""
    from lookup.ingest.refresh import republish_locked

    data = tmp_path / "data"
    first = refresh(demo_request(sources, data), NOW)
    later = NOW + timedelta(hours=1)
    with refresh_lock(data, later):
        again = republish_locked(demo_request(sources, data), later)
    assert again.published and not again.kept, again.lines()
    assert log_names(data) == [first.version, again.version]
    assert current_target(data) == (data / "versions" / again.version).resolve()
