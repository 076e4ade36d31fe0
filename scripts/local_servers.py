"""Debian's packages for the tests and the benchmark, and throwaway PostgreSQL and Redis
servers on 127.0.0.1.

For the benchmark (PostGIS beside the grid index) and the tests of several instances
(one rate-limit budget in Redis, one set of insight counters in PostgreSQL). Each server
lives in a temporary folder, listens on a free loopback port only, keeps nothing on
disk that matters (no fsync, no snapshots), and is gone once stopped; ``atexit`` stops
it as a safety net.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from scripts.harness import free_port

INITDB_OPTS = ("-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
START_OPTS = ("-w", "-t", "60")  # wait until ready, at most 60 s
STOP_OPTS = ("-m", "fast", "-w", "-t", "30")
SERVER_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
jit = off
"""


def apt_install(packages: tuple[str, ...], why: str = "") -> str | None:
    """``apt-get install`` (with one ``apt-get update`` if the first try fails);
    None on success, else the reason."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"not root or no apt-get: cannot install {' '.join(packages)}"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    print(f"  (installing Debian's {' '.join(packages)}{' ' + why if why else ''})", flush=True)
    out = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env, timeout=300)
        out = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        return f"apt-get install {' '.join(packages)} failed: {out.stderr.strip()[-300:]}"
    return None


def ensure_debian_tool(command: str, package: str, why: str = "") -> str | None:
    """``command`` on the PATH, installed from Debian's ``package`` where this process
    may (root, apt-get); None where it is missing and cannot be installed."""
    found = shutil.which(command)
    if found or apt_install((package,), why) is not None:
        return found
    return shutil.which(command)


# ---- PostgreSQL ---------------------------------------------------------------------


def postgres_bindir(extension: str = "") -> Path | None:
    """The newest installed PostgreSQL's server binaries (with ``extension`` installed
    for it, if one is named)."""
    found = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        major = initdb.parent.parent.name
        control = Path(f"/usr/share/postgresql/{major}/extension/{extension}.control")
        if not extension or control.exists():
            found.append((int(major) if major.isdigit() else 0, initdb.parent))
    return max(found)[1] if found else None


def _as_postgres(
    cmd: list[str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` as the ``postgres`` OS user (PostgreSQL refuses to run as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        prefix + cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in ``folder``, run as the ``postgres`` OS user, trust auth."""

    folder: Path
    bindir: Path
    port: int
    version: str = ""
    _removed: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server (again, after ``pause``) and wait until it accepts queries."""
        log = self.folder / "server.log"
        pg_ctl = str(self.bindir / "pg_ctl")
        start = _as_postgres(
            [pg_ctl, "start", "-D", str(self.data), "-l", str(log), *START_OPTS],
            self.folder,
            timeout=90,
        )
        if start.returncode != 0:
            tail = log.read_text(errors="replace")[-300:] if log.exists() else start.stderr
            raise RuntimeError(f"pg_ctl start failed: {tail.strip()}")

    def pause(self) -> None:
        """Stop the server and keep its data (an outage the tests then end)."""
        if not (self.data / "postmaster.pid").exists():
            return
        done = _as_postgres(
            [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), *STOP_OPTS],
            self.folder,
            timeout=60,
        )
        if done.returncode != 0:
            self._kill()

    def stop(self) -> None:
        """Stop the server (fast shutdown, SIGQUIT if that fails) and remove the folder.
        Safe to call twice."""
        if self._removed:
            return
        self._removed = True
        try:
            self.pause()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _kill(self) -> None:
        """Immediate shutdown: SIGQUIT to the postmaster, which ends its children."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_postgres(bindir: Path) -> PostgresServer:
    """A new cluster with ``bindir``'s PostgreSQL, started; raises ``RuntimeError`` with
    the server's own words if it does not start (nothing is left behind then)."""
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise RuntimeError("runuser not found: cannot run PostgreSQL as the postgres user")
    # Not under pytest's tmp_path: its parent is private to root, the server is not root.
    folder = Path(tempfile.mkdtemp(prefix="lookup-postgres-"))
    server = PostgresServer(folder, bindir, free_port())
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        init = _as_postgres([str(bindir / "initdb"), "-D", str(server.data), *INITDB_OPTS], folder)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {(init.stderr or init.stdout).strip()[-300:]}")
        with (server.data / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_CONF.format(port=server.port))
        server.start()
    except BaseException:
        server.stop()
        raise
    atexit.register(server.stop)
    return server


# ---- Redis --------------------------------------------------------------------------


@dataclass
class RedisServer:
    """``redis-server`` on 127.0.0.1, in memory only (no snapshot, no append-only file)."""

    folder: Path
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def freeze(self) -> None:
        """Stop the process without closing its sockets: a store that hangs."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Safe to call twice."""
        if self.proc.poll() is None:
            self.thaw()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_redis(executable: str = "redis-server") -> RedisServer:
    """A new ``redis-server`` on a free port, answering PING; raises ``RuntimeError``
    with its log if it does not come up."""
    found = shutil.which(executable)
    if found is None:
        raise RuntimeError(f"{executable} not found (Debian's redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="lookup-redis-"))
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [found, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = RedisServer(folder, port, proc)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    atexit.register(server.stop)
                    return server
        except OSError:
            time.sleep(0.05)
    text = log.read_text(errors="replace")[-300:]
    server.stop()
    raise RuntimeError(f"redis-server did not start: {text.strip()}")
