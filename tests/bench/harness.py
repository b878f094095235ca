"""Processes that the benchmark and the fault tests start: gunicorn and a throwaway PostgreSQL.

Each child runs in its own process group, and `stop()` ends the whole group (SIGTERM, then
SIGKILL after a grace period). Callers hold them in `try/finally` or a context manager, so
nothing outlives a run that ends normally, on an error or on Ctrl-C. Nothing here imports
Django: it works in the benchmark driver, in pytest, and in a plain script.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI") == "true"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    """End a child started with start_new_session=True, and everything it started."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def children(pid: int) -> list[int]:
    """Pids of the direct children of `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def site_env(**overrides: str) -> dict[str, str]:
    """Production-mode settings for a server on loopback (debug off, plain HTTP)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STUDYHUB_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-and-fault-tests-only-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_HTTPS="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
        # One load generator on 127.0.0.1 stands in for many learners' addresses.
        STUDYHUB_GUEST_LIMIT="1000000",
        STUDYHUB_GUEST_START_LIMIT="1000000",
    )
    env.update(overrides)
    return env


def prepare_site(env: dict[str, str], *users: str, timeout: float = 600) -> None:
    """Migrate, load the seed course and create `users` ("name:password") in env's database."""
    args = [sys.executable, str(ROOT / "tests/bench/data.py"), "site"]
    for user in users:
        args += ["--user", user]
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"preparing the site failed:\n{done.stdout}\n{done.stderr}")


class Gunicorn:
    """`gunicorn studyhub.wsgi` bound to 127.0.0.1 only, as in production but on loopback."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        port: int | None = None,
        extra: tuple[str, ...] = (),
        preexec_fn=None,
    ):
        self.env, self.log_path = env, log
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.port = port
        self.extra, self.preexec_fn = extra, preexec_fn
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        exe = BIN / "gunicorn"
        head = [str(exe)] if exe.exists() else [sys.executable, "-m", "gunicorn"]
        return [
            *head,
            "studyhub.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--backlog",
            "2048",
            # gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl by default;
            # several servers at once (the scale-out test) would fight over it.
            "--no-control-socket",
            *self.extra,
        ]

    def start(self, timeout: float = 120) -> Gunicorn:
        for _ in range(3):  # a free port can be taken between the check and the bind
            self.port = self.port or free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    self.command(),
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=self.preexec_fn,
                )
            if self._wait_ready(timeout):
                return self
            stop_group(self.proc)
            if "Address already in use" not in self.log():
                break
            self.port = None
        raise RuntimeError(f"gunicorn did not start:\n{self.log()[-3000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if len(children(self.proc.pid)) >= self.workers and self.answers():
                return True
            time.sleep(0.1)
        return False

    def answers(self) -> bool:
        """True once the server answers HTTP at all (200, or 503 with the database down)."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        stop_group(self.proc)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_bindir() -> str | None:
    """The directory holding initdb and pg_ctl, found as .ci/with-postgres finds it."""
    found = None
    candidates = [
        os.environ.get("PG_BINDIR", ""),
        *sorted(map(str, Path("/").glob("usr/lib/postgresql/*/bin"))),
    ]
    for d in candidates:
        if d and os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/pg_ctl", os.X_OK):
            found = d
    if found is None and shutil.which("initdb") and shutil.which("pg_ctl"):
        found = str(Path(shutil.which("initdb")).parent)
    return found


class PgCluster:
    """A throwaway PostgreSQL cluster in a temp dir: unix socket only, no TCP listener.

    Run as the `postgres` user when we are root (initdb refuses to run as root), with
    durability off since the data is thrown away.
    """

    def __init__(self, bindir: str | None = None, max_connections: int = 200):
        self.bindir = bindir or pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl not found)")
        self.max_connections = max_connections
        self.dir: Path | None = None
        self.port: int | None = None
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def url(self, dbname: str = "studyhub") -> str:
        return f"postgres://postgres@/{dbname}?host={self.dir}&port={self.port}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.as_pg, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def create(self) -> PgCluster:
        self.dir = Path(tempfile.mkdtemp(prefix="studyhub-pg."))
        self.dir.chmod(0o755)
        if self.as_pg:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._run(
            f"{self.bindir}/initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start()
        self._run(
            f"{self.bindir}/createdb",
            "-h",
            str(self.dir),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "studyhub",
        )
        return self

    def start(self) -> None:
        options = (
            f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        self._run(
            f"{self.bindir}/pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if self.dir is None:
            return
        subprocess.run(
            [*self.as_pg, f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> PgCluster:
        try:
            return self.create()
        except BaseException:
            self.destroy()
            raise

    def __exit__(self, *exc) -> None:
        self.destroy()


def require_postgres(pytest) -> str:
    """The PostgreSQL bin dir, or skip the calling test (fail under CI=true, which needs it)."""
    bindir = pg_bindir()
    if bindir is None:
        reason = "PostgreSQL is not installed (initdb/pg_ctl not found): install postgresql"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires the PostgreSQL tests to run.")
        pytest.skip(reason)
    return bindir


# --- server CPU ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """On-CPU time of every thread of `pid` so far, in seconds (0 once it has gone).

    /proc/<pid>/task/<tid>/schedstat starts with the nanoseconds the thread has run: exact,
    unlike the tick-sampled utime and stime. A sync gunicorn worker serves each request on
    its main thread, so this is the requests' thread time plus the worker's idle loop.
    """
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


class CpuSampler:
    """Samples the summed CPU time of a server's workers in a background thread.

    `used(start, end)` is the CPU the workers spent between two wall-clock times (epoch
    seconds), interpolated between the samples around them, so a load phase measured by
    another process (locust) can be divided by the requests it completed.
    """

    def __init__(self, pids, interval: float = 0.02):
        import threading

        self.pids, self.interval = list(pids), interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), sum(cpu_seconds(p) for p in self.pids)))
            self._stop.wait(self.interval)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def at(self, when: float) -> float:
        """Total CPU seconds at `when`, interpolated linearly between two samples."""
        import bisect

        times = [t for t, _ in self.samples]
        i = bisect.bisect_left(times, when)
        if i <= 0:
            return self.samples[0][1] if self.samples else 0.0
        if i >= len(self.samples):
            return self.samples[-1][1]
        (t0, c0), (t1, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * (when - t0) / max(t1 - t0, 1e-9)

    def used(self, start: float, end: float) -> float:
        return max(0.0, self.at(end) - self.at(start))
