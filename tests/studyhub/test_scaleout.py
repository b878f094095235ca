"""Two app servers behind one PostgreSQL database: a learner may hop between them.

Sessions, attempts and answers live in the database, so nothing may depend on which server
answers which request. Needs PostgreSQL binaries (a throwaway cluster is started); skipped
without them, except under CI=true where it must run.
"""

import json
import random
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import psycopg
import pytest
import requests

from quizzes.models import option_value
from tests.bench import harness, pages

pytestmark = pytest.mark.postgres

EXAM = "/quizzes/bpo-vs-kpo/mock-exam/"
PASSWORD = "a-long-test-password-42"
HX = {"HX-Request": "true"}
TIMEOUT = 60  # generous: a busy machine runs this beside the rest of the suite


def test_a_learner_moves_between_two_servers_and_loses_nothing(tmp_path):
    bindir = harness.require_postgres(pytest)
    static = Path(tempfile.mkdtemp(prefix="studyhub-static."))
    try:
        with harness.PgCluster(bindir) as cluster:
            env = harness.site_env(DATABASE_URL=cluster.url(), DJANGO_STATIC_ROOT=str(static))
            harness.prepare_site(env, f"ada:{PASSWORD}")
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=harness.ROOT,
                env=env,
                check=True,
                timeout=600,
            )
            a = harness.Gunicorn(env, tmp_path / "a.log")
            b = harness.Gunicorn(env, tmp_path / "b.log")
            try:
                a.start()
                b.start()
                posted, review = _take_exam_on_both(a.url, b.url)
            finally:
                a.stop()
                b.stop()
            stored = _stored(cluster.url(), env["DJANGO_SECRET_KEY"])
    finally:
        shutil.rmtree(static, ignore_errors=True)

    assert stored == posted  # every answer, exactly once, as last posted
    assert review.count('class="card question-review"') == len(posted)
    assert "Not answered" not in review


def _take_exam_on_both(a: str, b: str) -> tuple[dict, str]:
    """Log in and start on A, answer on A and B in turn, submit and review on B."""
    http = requests.Session()  # cookies are per host, not per port: both servers see them
    rng = random.Random(7)

    def post(url, data, **headers):
        headers["X-CSRFToken"] = http.cookies.get("csrftoken", "")
        return http.post(url, data=data, headers=headers, allow_redirects=False, timeout=TIMEOUT)

    login_page = http.get(a + "/accounts/login/", timeout=TIMEOUT)
    assert login_page.status_code == 200
    login = post(a + "/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert login.status_code == 302, login.text[:500]
    assert http.get(a + EXAM, timeout=TIMEOUT).status_code == 200
    start = post(a + EXAM + "start", {})
    attempt, number = pages.slot_from(start.headers.get("Location"))
    posted = {}
    servers = [a, b]
    while True:
        server = servers[number % 2]
        page = http.get(f"{server}/attempts/{attempt}/q/{number}/", timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:500]
        fields, stored = pages.pick_answer(page.text, rng)
        data = [("seq", str(pages.seq(page.text))), ("shown", "0"), *fields]
        saved = post(f"{server}/attempts/{attempt}/q/{number}/answer", data, **HX)
        assert saved.status_code == 200, saved.text[:500]
        posted[number] = stored
        if number == pages.total(page.text):
            break
        number += 1
    # Change one answer on the other server: the sequence check works across servers too.
    page = http.get(f"{a}/attempts/{attempt}/q/1/", timeout=TIMEOUT).text
    fields, stored = pages.pick_answer(page, rng)
    data = [("seq", str(pages.seq(page))), ("shown", "0"), *fields]
    assert post(f"{a}/attempts/{attempt}/q/1/answer", data, **HX).ok
    posted[1] = stored

    submitted = post(f"{b}/attempts/{attempt}/submit", {})
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == f"/attempts/{attempt}/review/"
    review = http.get(f"{b}/attempts/{attempt}/review/", timeout=TIMEOUT)
    assert review.status_code == 200
    return posted, review.text


def _stored(url: str, secret: str) -> dict:
    """Finished answers by slot number, with option values for ids (as they were posted)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT s.attempt_id, s.number, r.answer::text FROM quizzes_slot s "
            "JOIN quizzes_response r ON r.slot_id = s.id "
            "JOIN quizzes_attempt a ON a.id = s.attempt_id WHERE a.state = 'finished'"
        ).fetchall()
    stored = {
        number: pages.as_posted(json.loads(answer), partial(option_value, a, number, secret=secret))
        for a, number, answer in rows
    }
    assert len(stored) == len(rows)  # one response per slot
    return stored
