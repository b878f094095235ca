"""Faults a production StudyHub must ride out, each against a real gunicorn on loopback.

Every test starts `gunicorn studyhub.wsgi` (DEBUG off, whitenoise, plain HTTP on 127.0.0.1,
a free port) against its own database, and stops it, and any PostgreSQL it started, in
`finally`. The database-outage test needs PostgreSQL binaries: it is skipped without them,
except under CI=true where it must run.
"""

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from quizzes.models import option_value
from tests.bench import harness, pages

COURSE = "bpo-vs-kpo"
EXAM = f"/quizzes/{COURSE}/mock-exam/"
PRACTICE = f"/quizzes/{COURSE}/practise-kpo/"
HX = {"HX-Request": "true"}
AS_ROOT = os.geteuid() == 0
# Generous on purpose: a busy two-core machine runs these beside the rest of the suite.
TIMEOUT = 60
# What a real client retries: the connection failed or timed out, or the response body broke
# off (a worker killed mid-response gives ChunkedEncodingError, not ConnectionError).
RETRYABLE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="module")
def static_root():
    """collectstatic once per module: production serves hashed, compressed files."""
    root = temp_dir("studyhub-static.")
    env = harness.site_env(DJANGO_STATIC_ROOT=str(root))
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=harness.ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def sqlite_template():
    """A migrated SQLite database with the seed course, copied by each test."""
    folder = temp_dir("studyhub-template.")
    path = folder / "template.sqlite3"
    try:
        harness.prepare_site(harness.site_env(STUDYHUB_SQLITE_PATH=str(path)))
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def sqlite_site(sqlite_template, static_root):
    """(env, folder) for a fresh copy of the template database."""
    folder = temp_dir("studyhub-fault.")
    db = folder / "db.sqlite3"
    shutil.copy(sqlite_template, db)
    env = harness.site_env(STUDYHUB_SQLITE_PATH=str(db), DJANGO_STATIC_ROOT=str(static_root))
    try:
        yield env, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Learner:
    """A learner's browser: its own cookies, the CSRF header htmx sends, and retries.

    `post_until_answered` re-sends the very same answer post after a dropped connection, a
    broken response body or a 5xx, as a client with retries would; the app must make that
    safe (idempotent).
    """

    def __init__(self, base: str, seed: int = 0):
        self.base = base
        self.http = requests.Session()
        self.rng = random.Random(seed)
        self.retries = 0

    def get(self, path: str, base: str | None = None, **kwargs) -> requests.Response:
        return self.http.get((base or self.base) + path, timeout=TIMEOUT, **kwargs)

    def post(self, path, data=(), *, base=None, htmx=False, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), **(HX if htmx else {})}
        return self.http.post(
            (base or self.base) + path,
            data=list(data),
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
            **kwargs,
        )

    def until(self, send, done, what: str, tries: int = 40) -> requests.Response:
        """`send()` again after a retryable failure or an unwanted answer, up to `tries` times."""
        for _ in range(tries):
            try:
                response = send()
            except RETRYABLE:
                response = None
            if response is not None and done(response):
                return response
            self.retries += 1
            time.sleep(0.25)
        raise AssertionError(f"{what}: no answer after {tries} tries")

    def start(self, quiz_url: str, base: str | None = None) -> tuple[int, int]:
        """Open the quiz page (for the CSRF cookie), press Start; return (attempt, number).

        Starting again resumes the open attempt, so a lost response is safe to retry.
        """
        self.until(lambda: self.get(quiz_url, base), lambda r: r.status_code == 200, quiz_url)
        response = self.until(
            lambda: self.post(quiz_url + "start", base=base),
            lambda r: r.status_code < 500,
            quiz_url + "start",
        )
        where = pages.slot_from(response.headers.get("Location"))
        assert response.status_code == 302 and where, response.text[:500]
        return where

    def question(self, attempt: int, number: int, base: str | None = None) -> str:
        response = self.get(f"/attempts/{attempt}/q/{number}/", base)
        assert response.status_code == 200, response.text[:500]
        return response.text

    def post_until_answered(self, attempt, number, fields, seq) -> requests.Response:
        data = [("seq", str(seq)), ("shown", str(int(time.time()) - 3)), *fields]
        path = f"/attempts/{attempt}/q/{number}/answer"
        return self.until(
            lambda: self.post(path, data, htmx=True),
            lambda r: r.status_code < 500,
            f"answer {attempt}/{number}",
        )


def stored_answers(db: Path, secret: str) -> dict[tuple[int, int], tuple[dict, int, int]]:
    """(attempt, number) -> (answer, version, rows for that slot), read from the file; the
    answer with option values for ids, as `pages.pick_answer` gives it (`secret`: the
    server's SECRET_KEY, which the values are made with)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT s.attempt_id, s.number, r.answer, r.version, "
            "(SELECT COUNT(*) FROM quizzes_response x WHERE x.slot_id = s.id) "
            "FROM quizzes_slot s JOIN quizzes_response r ON r.slot_id = s.id"
        ).fetchall()
    found = {}
    for a, n, answer, version, count in rows:
        value_of = partial(option_value, a, n, secret=secret)
        found[a, n] = (pages.as_posted(json.loads(answer), value_of), version, count)
    return found


# --- a worker killed mid-load ---------------------------------------------------------------


def test_a_killed_worker_is_replaced_and_no_acknowledged_answer_is_lost(sqlite_site, tmp_path):
    """Six learners answer a 25-question exam while workers are killed with SIGKILL.

    One kill is certain to land mid-request: a seventh learner's answer post is sent only
    half-way, and the worker reading it is killed. Another lands at a random moment of the
    load. Clients retry the same post after a dropped connection or a 5xx.
    """
    env, folder = sqlite_site
    server = harness.Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    acknowledged: dict[tuple[int, int], dict] = {}
    lock = threading.Lock()
    progress = threading.Event()

    def learner(seed: int) -> int:
        me = Learner(server.url, seed)
        attempt, number = me.start(EXAM)
        while True:
            page = _get_with_retries(me, f"/attempts/{attempt}/q/{number}/")
            fields, stored = pages.pick_answer(page, me.rng)
            response = me.post_until_answered(attempt, number, fields, pages.seq(page))
            assert response.status_code == 200, response.text[:300]
            with lock:
                acknowledged[attempt, number] = stored
                if len(acknowledged) >= 30:
                    progress.set()
            if number == pages.total(page):
                return me.retries
            number += 1

    killed = []
    try:
        server.start()
        seventh = Learner(server.url, 99)
        attempt, number = seventh.start(EXAM)
        fields, stored = pages.pick_answer(seventh.question(attempt, number), seventh.rng)
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(learner, seed) for seed in range(6)]
            assert progress.wait(180), "no answers were acknowledged"
            killed.append(_kill_worker_mid_request(server, seventh, attempt, number, fields))
            response = seventh.post_until_answered(attempt, number, fields, 0)  # the retry
            assert response.status_code == 200, response.text[:300]
            acknowledged[attempt, number] = stored
            _wait_for_workers(server, 2, killed)
            killed.append(server.worker_pids()[0])  # and one more, wherever it is
            os.kill(killed[-1], signal.SIGKILL)
            retries = sum(future.result(timeout=600) for future in futures)
        _wait_for_workers(server, 2, killed)
        after = server.worker_pids()
        # A retry whose first attempt was stored (the response got lost): success, no write.
        again = seventh.post_until_answered(attempt, number, fields, 0)
    finally:
        server.stop()

    assert len(after) == 2 and not set(killed) & set(after), (killed, after)
    for pid in killed:
        assert f"Worker (pid:{pid})" in server.log()  # the master noticed and replaced it
    assert again.status_code == 200
    assert len(acknowledged) == 6 * 25 + 1  # every learner answered the whole exam
    stored = stored_answers(folder / "db.sqlite3", env["DJANGO_SECRET_KEY"])
    for key, answer in acknowledged.items():
        found, version, rows = stored[key]
        assert rows == 1, key
        assert found == answer, key
        assert version == 1, key  # retried posts never wrote a second time
    assert len(stored) == len(acknowledged), f"{retries} retries"


def _kill_worker_mid_request(server, learner: Learner, attempt, number, fields) -> int:
    """Send an answer post up to half its body, SIGKILL the worker reading it; its pid."""
    body = urlencode([("seq", "0"), ("shown", "0"), *fields]).encode()
    cookies = learner.http.cookies
    head = (
        f"POST /attempts/{attempt}/q/{number}/answer HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Cookie: sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}\r\n"
        f"X-CSRFToken: {cookies['csrftoken']}\r\nHX-Request: true\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(head + body[: len(body) // 2])
        deadline = time.monotonic() + TIMEOUT
        pid = None
        while pid is None and time.monotonic() < deadline:
            pid = _worker_holding(server, sock.getsockname()[1])
            time.sleep(0.02)
        assert pid is not None, "no worker picked up the request"
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            assert sock.recv(100) == b""  # the connection dies without a response
    return pid


def _worker_holding(server, client_port: int) -> int | None:
    """The worker whose socket is the server end of the connection from `client_port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server.port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inodes.add(f"socket:[{inode}]")
    for pid in server.worker_pids():
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
    return None


def _wait_for_workers(server, count: int, gone: list[int], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if len(pids) >= count and not set(pids) & set(gone):
            return
        time.sleep(0.05)
    raise AssertionError(f"gunicorn did not replace {gone}: workers {server.worker_pids()}")


def _get_with_retries(me: Learner, path: str) -> str:
    return me.until(lambda: me.get(path), lambda r: r.status_code == 200, path).text


# --- SQLite under write bursts --------------------------------------------------------------


def test_sqlite_write_bursts_never_show_database_is_locked(sqlite_site, tmp_path):
    """16 request threads (4 workers x 4 threads) write at once: every writer queues."""
    env, folder = sqlite_site
    server = harness.Gunicorn(
        env, tmp_path / "gunicorn.log", workers=4, worker_class="gthread", threads=4
    )
    failures: list[str] = []
    answered = []
    lock = threading.Lock()

    def learner(seed: int) -> None:
        me = Learner(server.url, seed)
        for quiz in (PRACTICE, EXAM):
            attempt, first = me.start(quiz)
            for number in range(first, first + 8):
                page = me.question(attempt, number)
                fields, stored = pages.pick_answer(page, me.rng)
                data = [("seq", str(pages.seq(page))), ("shown", "0"), *fields]
                response = me.post(f"/attempts/{attempt}/q/{number}/answer", data, htmx=True)
                with lock:
                    if response.status_code != 200 or "locked" in response.text:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                    else:
                        answered.append((attempt, number))
            if quiz == EXAM:
                submitted = me.post(f"/attempts/{attempt}/submit")
                if submitted.status_code != 302:
                    failures.append(f"submit {submitted.status_code}: {submitted.text[:200]}")

    try:
        server.start()
        with ThreadPoolExecutor(24) as pool:
            for future in [pool.submit(learner, seed) for seed in range(24)]:
                future.result(timeout=900)
    finally:
        server.stop()

    assert not failures, failures[:5]
    assert "database is locked" not in server.log()
    assert len(answered) == 24 * 16
    assert set(answered) <= set(stored_answers(folder / "db.sqlite3", env["DJANGO_SECRET_KEY"]))


# --- a read-only or full disk -------------------------------------------------------------


def _no_half_written_attempts(db: Path) -> None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        broken = conn.execute(
            "SELECT a.id, a.slot_count, COUNT(s.id) FROM quizzes_attempt a "
            "LEFT JOIN quizzes_slot s ON s.attempt_id = a.id "
            "GROUP BY a.id, a.slot_count HAVING COUNT(s.id) != a.slot_count"
        ).fetchall()
    assert broken == []


def _attempt_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM quizzes_attempt").fetchone()[0]


def _assert_friendly_503(response: requests.Response) -> None:
    assert response.status_code == 503, response.text[:500]
    assert "Back in a moment" in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    "how",
    [
        "mode=ro",
        pytest.param(
            "chmod",
            marks=pytest.mark.skipif(
                AS_ROOT, reason="root ignores file modes; the mode=ro case covers a read-only file"
            ),
        ),
    ],
)
def test_a_read_only_database_answers_503_and_writes_nothing(sqlite_site, tmp_path, how):
    """The database file turns read-only under a running site: opened with SQLite's
    `mode=ro`, or made read-only with chmod (meaningless as root, which ignores file modes)."""
    env, folder = sqlite_site
    db = folder / "db.sqlite3"
    server = harness.Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        server.start()
        me = Learner(server.url)
        attempt, number = me.start(PRACTICE)
        page = me.question(attempt, number)
        fields, _ = pages.pick_answer(page, me.rng)
        if how == "mode=ro":
            server.stop()
            # dj_database_url unquotes the path, and Django opens SQLite names as URIs.
            ro = {**env, "STUDYHUB_SQLITE_PATH": f"file:{db}%3Fmode=ro"}
            server = harness.Gunicorn(ro, tmp_path / "read-only.log").start()
        else:
            db.chmod(0o444)
            # Workers keep their SQLite connection open (CONN_MAX_AGE), and a file opened for
            # writing stays writable after a chmod: the server meets the mode when it starts.
            server.stop()
            server = harness.Gunicorn(env, tmp_path / "read-only.log").start()
        attempts_before = _attempt_count(db)
        answer = me.post(
            f"/attempts/{attempt}/q/{number}/answer",
            [("seq", "0"), ("shown", "0"), *fields],
            base=server.url,
            htmx=True,
        )
        start = me.post(EXAM + "start", base=server.url)
        reading = me.get(f"/courses/{COURSE}/", server.url)
    finally:
        server.stop()

    _assert_friendly_503(answer)
    _assert_friendly_503(start)
    assert reading.status_code == 200  # reads still work
    assert _attempt_count(db) == attempts_before
    assert (attempt, number) not in stored_answers(db, env["DJANGO_SECRET_KEY"])
    _no_half_written_attempts(db)


def test_a_full_disk_answers_503_and_leaves_no_half_written_attempt(sqlite_site, tmp_path):
    """The server may not grow any file past 32 KiB (RLIMIT_FSIZE): SQLite reports a full
    disk when it commits. Starting the mock exam writes 25 frozen slots (~45 KiB) after the
    attempt row, so the failure lands mid-transaction; it must roll back entirely."""
    env, folder = sqlite_site
    db = folder / "db.sqlite3"
    log = tmp_path / "gunicorn.log"
    server = harness.Gunicorn(env, log)
    try:
        server.start()
        me = Learner(server.url)
        me.start(PRACTICE)  # a learner with a session, while the disk has room
    finally:
        server.stop()
    with sqlite3.connect(db) as conn:  # no WAL left over: every new write goes to a fresh WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    attempts_before = _attempt_count(db)

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))

    full = harness.Gunicorn(env, tmp_path / "full.log", preexec_fn=small_disk)
    try:
        full.start()
        start = me.post(EXAM + "start", base=full.url)
        reading = me.get(f"/courses/{COURSE}/", full.url)
    finally:
        full.stop()

    _assert_friendly_503(start)
    assert reading.status_code == 200
    assert _attempt_count(db) == attempts_before
    _no_half_written_attempts(db)


# --- the database goes away and comes back -------------------------------------------------


@pytest.mark.postgres
def test_database_outage_answers_503_then_recovers_by_itself(static_root, tmp_path):
    bindir = harness.require_postgres(pytest)
    with harness.PgCluster(bindir) as cluster:
        env = harness.site_env(DATABASE_URL=cluster.url(), DJANGO_STATIC_ROOT=str(static_root))
        harness.prepare_site(env)
        with harness.Gunicorn(env, tmp_path / "gunicorn.log") as server:
            me = Learner(server.url)
            assert me.get("/").status_code == 200
            assert me.get("/healthz").json() == {"status": "ok", "database": True}

            cluster.stop("fast")
            # Both workers at once: each waits for its connection pool to give up.
            with ThreadPoolExecutor(2) as pool:
                page = pool.submit(me.get, f"/courses/{COURSE}/")
                health = pool.submit(me.get, "/healthz")
                page, health = page.result(), health.result()
            cluster.start()

            _assert_friendly_503(page)
            assert health.status_code == 503
            assert health.json() == {"status": "unavailable", "database": False}

            deadline = time.monotonic() + 120
            statuses = []
            while time.monotonic() < deadline:
                statuses.append((me.get("/healthz").status_code, me.get("/").status_code))
                if statuses[-1] == (200, 200):
                    break
                time.sleep(0.5)
            assert statuses[-1] == (200, 200), statuses
