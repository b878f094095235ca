"""Two app servers behind a proxy that appends X-Forwarded-For: sign-in throttling holds.

A small round-robin proxy on 127.0.0.1 stands in for the load balancer. Clients connect to it
from different loopback addresses (127.0.0.2, 127.0.0.3, …: Linux routes all of 127/8 to
`lo`), so the proxy sees, and appends, a different address for each. The servers trust one
proxy (STUDYHUB_TRUSTED_PROXIES=1) and share one rate-limit store: the database cache in the
SQLite file or the PostgreSQL database both use.
"""

import http.client
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import cycle
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.bench import harness

PASSWORD = "a-long-test-password-42"
TIMEOUT = 60  # generous: a busy machine runs this beside the rest of the suite
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"}


class RoundRobinProxy:
    """Forwards each request to the next backend, appending the peer to X-Forwarded-For."""

    def __init__(self, backends: list[str]):
        targets = cycle(backends)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.forward()

            def do_POST(self):
                self.forward()

            def forward(self):
                with lock:
                    backend = next(targets)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                forwarded = self.headers.get("X-Forwarded-For")
                peer = self.client_address[0]
                headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
                host, port = backend.removeprefix("http://").split(":")
                conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    self.send_response(response.status)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP | {"content-length"}:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("X-Served-By", backend)
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    conn.close()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FromAddress(HTTPAdapter):
    """Connect from a given local address, as a client elsewhere on the internet would."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def csrf_token(session: requests.Session, base: str) -> str:
    page = session.get(base + "/accounts/login/", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:300]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def sign_in(session, base: str, token: str, password: str, **headers) -> requests.Response:
    return session.post(
        base + "/accounts/login/",
        {"username": "ada", "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def refused(response: requests.Response) -> bool:
    return response.status_code == 200 and "Too many failed sign-ins" in response.text


@pytest.fixture
def site(request, tmp_path):
    """(env) for a migrated site with the user `ada`, on SQLite or a throwaway PostgreSQL."""
    static = Path(tempfile.mkdtemp(prefix="studyhub-static."))
    overrides = {
        "DJANGO_STATIC_ROOT": str(static),
        "STUDYHUB_TRUSTED_PROXIES": "1",
        "STUDYHUB_LOGIN_FAILURE_LIMIT": "3",
    }
    cluster = None
    try:
        if request.param == "postgres":
            cluster = harness.PgCluster(harness.require_postgres(pytest)).__enter__()
            overrides["DATABASE_URL"] = cluster.url()
        else:
            overrides["STUDYHUB_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
        env = harness.site_env(**overrides)
        harness.prepare_site(env, f"ada:{PASSWORD}")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=harness.ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        yield env
    finally:
        if cluster is not None:
            cluster.__exit__(None, None, None)
        shutil.rmtree(static, ignore_errors=True)


@pytest.mark.parametrize(
    "site", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_failures_behind_a_proxy_are_shared_by_both_servers_and_lock_only_their_address(
    site, tmp_path
):
    a = harness.Gunicorn(site, tmp_path / "a.log")
    b = harness.Gunicorn(site, tmp_path / "b.log")
    try:
        a.start()
        b.start()
        with RoundRobinProxy([a.url, b.url]) as proxy:
            attacker, learner = browser_at("127.0.0.2"), browser_at("127.0.0.3")
            token = csrf_token(attacker, proxy.url)
            # The proxy alternates: the failures land on both servers, neither sees 3 alone.
            failures = [
                sign_in(attacker, proxy.url, token, "guess-1"),
                sign_in(attacker, proxy.url, token, "guess-2", **{"X-Forwarded-For": "9.9.9.9"}),
                sign_in(attacker, proxy.url, token, "guess-3"),
            ]
            locked = [sign_in(attacker, proxy.url, token, PASSWORD) for _ in range(2)]
            # Forging the learner's address does not help: the proxy appends the real one,
            # and only the rightmost entry is trusted.
            forged = sign_in(
                attacker, proxy.url, token, PASSWORD, **{"X-Forwarded-For": "127.0.0.3"}
            )
            learner_in = sign_in(learner, proxy.url, csrf_token(learner, proxy.url), PASSWORD)
    finally:
        a.stop()
        b.stop()

    assert all("Please enter a correct username" in r.text for r in failures)
    assert {r.headers["X-Served-By"] for r in failures} == {a.url, b.url}
    # Both servers refuse the right password: the count is shared.
    assert {r.headers["X-Served-By"] for r in locked} == {a.url, b.url}
    assert all(refused(r) for r in locked), [r.text[:300] for r in locked]
    assert refused(forged), forged.text[:300]
    # The same username from another address signs in.
    assert learner_in.status_code == 302, learner_in.text[:300]
