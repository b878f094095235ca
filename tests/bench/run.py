"""`make bench`: StudyHub in production mode under load, measured in about two minutes.

    make bench                                  # SQLite: a temp file in WAL mode
    make bench BENCH_ARGS=--postgres            # a throwaway PostgreSQL cluster (initdb/pg_ctl)
    .ci/with-postgres make bench                # PostgreSQL from DATABASE_URL (a scratch
                                                # database is created on it and dropped after)
    .venv/bin/python tests/bench/run.py --help  # every knob

Setup. The site runs as in production: `gunicorn studyhub.wsgi`, 2 workers, DEBUG off,
`collectstatic` into a temp dir served by whitenoise, bound to 127.0.0.1 only, DJANGO_HTTPS=0
for plain HTTP on loopback. STUDYHUB_BENCH=1 mounts two reference pages (studyhub/bench.py):
`/bench/shell`, an authenticated empty page (session, user, `base.html`), the yardstick every
page is divided by, and `/bench/baseline`, a `SELECT 1` without session or template, kept as
a canary for the framework's floor (reported, never divided by). Data: tests/bench/data.py writes
1,000 learners with login sessions, the seed course and 100,000 graded responses with bulk
inserts (about 20-30 s). On PostgreSQL a `VACUUM ANALYZE` follows (see settle_database()).

Method. Three load phases, each a `locust --headless` process on loopback:

1. Mixed: 16 learners (`--users`) walk the learner journey (home, course, lesson, practice
   start and answers, dashboard, exam start, answers, summary, submit, review) with 0.2-0.8 s
   of think time between pages. This gives each page's latency at 16 concurrent learners
   (p95 targets: 50 ms for reads, 150 ms for writes) and the errors seen in a realistic mix.
2. Closed loop, one endpoint at a time: the same 16 users request only that endpoint, back to
   back with no think time, for `--phase-seconds`; a barrier starts every user together and
   the next endpoint starts only when all users have finished the previous one. Throughput is
   the number of responses completed inside the window divided by its length, so every
   endpoint, the shell included, is measured with the same concurrency, the same server and
   the same load generator: the share of the shell's throughput is then what the page costs
   beyond an empty authenticated page. Server CPU per request is the workers' thread time
   (/proc/<pid>/task/*/schedstat, sampled every 20 ms) over the phase's window divided by
   the requests completed in it. Writes never repeat: each start, answer and submit acts on
   fresh state prepared by data.py (different learners, open attempts, unanswered slots).
   Targets (issue 14, reported, not enforced): cheap reads >= 70 % of the shell, aggregating
   reads (course, dashboard, review) >= 50 %, writes >= 30 %. `--json FILE` writes the table.
3. Burst: 200 learners (`--burst`) start the same mock exam at random moments within 5 s,
   open its first question and answer it.

SQL queries per request: after the load, each endpoint is requested once more in-process
(Django's test client against the same database and settings, for a learner with history)
inside `CaptureQueriesContext`. No header or middleware is added to the server.

Integrity: the load generator records every answer post acknowledged with a 2xx (attempt,
slot number, answer as stored). At the end the database must hold exactly one response for
each, with that answer: `lost answers` counts those missing or different, `duplicate answers`
slots with more than one response.

Also measured: the dashboard of one learner with 10,000 responses (server time in-process and
over HTTP, query count), and, when they exist, the admin's item analysis and class report for
1,000 learners x 20 questions.

Worker class: sync, measured against gthread (4 threads per worker) on both databases. On 2
cores the two processes are all the parallelism there is: every page is CPU-bound in Python,
so threads only add GIL contention. With gthread, throughput of the pages fell or stayed flat
(SQLite: lesson 383 -> 322 req/s, answer (practice) 292 -> 225) while p95 roughly doubled
(lesson 44 -> 93 ms) and SQLite writers queued behind each other on the busy timeout (answer
p99 71 -> 640 ms). Threads won only where a request sleeps instead of computing: the course
page and dashboard (22 -> 68 req/s), because fsrs.Card() sleeps 1 ms per review card (see the
report); that is a bug to fix, not a reason for threads. `--worker-class gthread --threads 4`
reproduces the comparison.

Caveat: on a 2-core machine the load generator shares the CPUs with the server, so absolute
numbers are lower than on a dedicated host; the shares of the shell and the CPU ms per
request are the fairer figures.
Everything started here (gunicorn, locust, a PostgreSQL cluster) runs in its own process group
and is stopped in `finally`, on errors and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import data, harness, pages

ROOT = harness.ROOT

LOCUSTFILE = ROOT / "tests/bench/locustfile.py"
LEARNER_PAGES = [
    "home",
    "course",
    "lesson",
    "quiz page",
    "start practice",
    "slot (practice)",
    "answer (practice)",
    "dashboard",
    "start exam",
    "slot (exam)",
    "answer (exam)",
    "summary",
    "submit exam",
    "review",
]
PHASES = ["baseline", "shell", *LEARNER_PAGES]
# What each endpoint answers when all is well; anything else counts as an error.
EXPECTED = {"start practice": 302, "start exam": 302, "submit exam": 302}
# Each page's class, as issue 14's targets name them: an exam answer is stored ungraded,
# which makes it as cheap as a read; "aggregate" reads summarise many responses.
GROUPS = {
    "home": "read",
    "lesson": "read",
    "quiz page": "read",
    "slot (practice)": "read",
    "slot (exam)": "read",
    "summary": "read",
    "answer (exam)": "read",
    "course": "aggregate",
    "dashboard": "aggregate",
    "review": "aggregate",
    "start practice": "write",
    "answer (practice)": "write",
    "start exam": "write",
    "submit exam": "write",
}
# Throughput as a share of the shell's (same run), and p95 at 16 learners (mixed scenario).
TARGET_OF_SHELL = {"read": 70, "aggregate": 50, "write": 30}
TARGET_P95_MS = {"read": 50.0, "aggregate": 50.0, "write": 150.0}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="StudyHub load benchmark (see the module docstring).")
    db = p.add_mutually_exclusive_group()
    db.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL")
    db.add_argument("--sqlite", action="store_true", help="SQLite even if DATABASE_URL is set")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    p.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    p.add_argument("--users", type=int, default=16, help="concurrent learners (mixed, closed)")
    p.add_argument("--think", default="0.2,0.8", help="think time range, seconds (mixed)")
    p.add_argument("--mixed-seconds", type=float, default=20)
    p.add_argument("--phase-seconds", type=float, default=3, help="closed-loop window each")
    p.add_argument("--burst", type=int, default=200, help="learners in the exam-start burst")
    p.add_argument("--burst-window", type=float, default=5)
    p.add_argument("--learners", type=int, default=1000)
    p.add_argument("--responses", type=int, default=100_000)
    p.add_argument("--heavy", type=int, default=10_000, help="responses of the heavy learner")
    p.add_argument("--phases", default=",".join(PHASES), help="closed-loop endpoints, in order")
    p.add_argument("--out", type=Path, help="keep locust CSVs, samples and logs here")
    p.add_argument("--json", type=Path, help="also write the per-endpoint results here")
    p.add_argument("--probe-page", help=argparse.SUPPRESS)  # internal: see probe_page()
    p.add_argument("--session", help=argparse.SUPPRESS)
    return p.parse_args()


class Interrupted(KeyboardInterrupt):
    pass


def _on_sigterm(signum, frame):
    raise Interrupted()


# --- databases ------------------------------------------------------------------------------


@contextlib.contextmanager
def database(args, tmp: Path):
    """Yield (env for the database, a description); clean up whatever was created."""
    url = os.environ.get("DATABASE_URL", "")
    if args.sqlite or (not args.postgres and not url):
        path = tmp / "bench.sqlite3"
        yield {"STUDYHUB_SQLITE_PATH": str(path)}, f"SQLite (temp file, WAL) {path}"
        return
    if not url:
        with harness.PgCluster() as cluster:
            yield {"DATABASE_URL": cluster.url()}, f"PostgreSQL (throwaway cluster {cluster.dir})"
        return
    # An existing server: work in a scratch database, never in the one DATABASE_URL names.
    import psycopg

    name = f"studyhub_bench_{os.getpid()}"
    parts = urlsplit(url)
    scratch = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": scratch}, f"PostgreSQL (scratch database {name} on DATABASE_URL)"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- load phases ----------------------------------------------------------------------------


def run_locust(name, user_class, users, seconds, env, tmp, url, *, timeout):
    out = tmp / f"{name}.json"
    command = [
        str(harness.BIN / "locust"),
        *("-f", str(LOCUSTFILE), "--headless", "-H", url),
        *("-u", str(users), "-r", str(max(users, 1) * 10), "-t", f"{int(seconds)}s"),
        *("--csv", str(tmp / name), "--only-summary", "--loglevel", "WARNING"),
        user_class,
    ]
    full_env = {**os.environ, **env, "BENCH_OUT": str(out), "BENCH_USERS": str(users)}
    with open(tmp / f"{name}.log", "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"  {name}: locust did not finish in {timeout:.0f} s; stopped it")
        finally:
            harness.stop_group(proc, grace=5)
    if not out.exists():
        raise RuntimeError(f"locust wrote no results for {name}; see {tmp / name}.log")
    return json.loads(out.read_text())


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def is_error(name: str, status: int, failed: bool) -> bool:
    if failed or status == 0 or status >= 400:
        return True
    return status != EXPECTED.get(name, 200)


def summarise(samples, window: tuple[float, float] | None = None) -> dict[str, dict]:
    """Per request name: count, rate (in the window, if given), latency percentiles, errors."""
    by_name: dict[str, list] = defaultdict(list)
    for name, start, ms, status, failed in samples:
        by_name[name].append((start, ms, status, failed))
    rows = {}
    for name, items in by_name.items():
        times = [ms for _, ms, _, _ in items]
        done = [s + ms / 1000 for s, ms, _, _ in items]
        if window:
            span = max(window[1] - window[0], 1e-9)
            completed = sum(1 for t in done if window[0] <= t <= window[1])
        else:
            span = max(max(done) - min(s for s, *_ in items), 1e-9)
            completed = len(items)
        rows[name] = {
            "n": len(items),
            "completed": completed,
            "rps": completed / span,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": max(times),
            "errors": sum(1 for _, _, st, f in items if is_error(name, st, f)),
            "statuses": sorted({st for _, _, st, _ in items}),
        }
    return rows


# --- in-process measurements ----------------------------------------------------------------


def measure_queries(
    plan: dict, probe: dict | None = None, around=contextlib.nullcontext
) -> dict[str, tuple[int, float, int]]:
    """Each endpoint once, in-process, for the probe learner (or `probe`, an identity from
    the plan with a finished attempt): (queries, ms, status). `around(name)` is entered
    around each request (tests/bench/profile_pages.py profiles with it)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from quizzes.models import Slot

    probe = probe or plan["groups"]["probe"][0]
    course, exam = plan["course"], plan["exam"]
    client = Client()
    client.cookies["sessionid"] = probe["session"]
    results: dict[str, tuple[int, float, int]] = {}

    def measure(name, method, path, data=None, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        with CaptureQueriesContext(connection) as queries, around(name):
            started = time.perf_counter()
            response = getattr(client, method)(path, data or {}, headers=headers)
            ms = (time.perf_counter() - started) * 1000
        results[name] = (len(queries), ms, response.status_code)
        return response

    def answer_data(attempt, number):
        slot = Slot.objects.get(attempt_id=attempt, number=number)
        stored = data.as_answered(slot.kind, data.variants(slot.snapshot)[0].stored)
        fields = pages.fields_for(pages.as_posted(stored, slot.option_value))
        body: dict[str, list[str]] = defaultdict(list)
        for key, value in [("seq", "0"), ("shown", str(int(time.time()) - 5)), *fields]:
            body[key].append(value)
        return dict(body)

    reads = [
        ("baseline", "/bench/baseline"),
        ("shell", "/bench/shell"),
        ("home", "/"),
        ("course", f"/courses/{course}/"),
        ("lesson", plan["lessons"][0]),
        ("quiz page", f"/quizzes/{course}/{exam}/"),
        ("dashboard", "/progress/"),
        ("review", f"/attempts/{probe['finished']}/review/"),
    ]
    for _name, path in reads:  # warm up caches (content types, templates) first
        client.get(path)
    for name, path in reads:
        measure(name, "get", path)
    start = measure("start practice", "post", f"/quizzes/{course}/{plan['practice'][1]}/start")
    attempt, number = _slot_location(start)
    measure("slot (practice)", "get", f"/attempts/{attempt}/q/{number}/")
    measure(
        "answer (practice)",
        "post",
        f"/attempts/{attempt}/q/{number}/answer",
        answer_data(attempt, number),
        htmx=True,
    )
    start = measure("start exam", "post", f"/quizzes/{course}/{exam}/start")
    attempt, number = _slot_location(start)
    measure("slot (exam)", "get", f"/attempts/{attempt}/q/{number}/")
    body = answer_data(attempt, number)
    measure("answer (exam)", "post", f"/attempts/{attempt}/q/{number}/answer", body, htmx=True)
    measure("summary", "get", f"/attempts/{attempt}/summary/")
    measure("submit exam", "post", f"/attempts/{attempt}/submit")
    return results


def _slot_location(response) -> tuple[int, int]:
    parts = response["Location"].strip("/").split("/")  # attempts/<pk>/q/<n>
    return int(parts[1]), int(parts[3])


def time_in_process(ident: dict, path: str, runs: int = 5) -> tuple[float, int, int]:
    """(median ms, queries, status) of GET path for one identity, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies["sessionid"] = ident["session"]
    response = client.get(path)  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return statistics.median(times), len(queries), response.status_code


def time_over_http(url: str, ident: dict, runs: int = 5) -> tuple[float, int]:
    """(median ms, status) of sequential GETs through gunicorn."""
    times, status = [], 0
    for _ in range(runs + 1):
        request = urllib.request.Request(
            url, headers={"Cookie": f"sessionid={ident['session']}; csrftoken={ident['csrf']}"}
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:]), status


def probe_page(path: str, session: str) -> None:
    """Child-process mode: GET `path` once in-process; print {"ms", "queries", "status"}."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data.setup_django()
    client = Client()
    client.cookies["sessionid"] = session
    client.get("/admin/")  # warm up (URL resolver, templates, admin site) on a cheap page
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"ms": ms, "queries": len(queries), "status": response.status_code}))


def probe_in_child(path: str, session: str, timeout: float) -> dict | None:
    """probe_page in a child process, so a page that takes minutes cannot stall the run."""
    command = [sys.executable, __file__, "--probe-page", path, "--session", session]
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        harness.stop_group(proc, grace=1)
        proc.communicate()
        return None
    if proc.returncode:
        return {"ms": float("nan"), "queries": 0, "status": 0, "error": err.decode()[-500:]}
    return json.loads(out.decode().strip().splitlines()[-1])


def admin_pages(plan: dict) -> list[tuple[str, str]]:
    """(label, path) of the admin reports that exist in this checkout, or a note each."""
    from django.urls import NoReverseMatch, reverse

    pages = []
    try:
        url = reverse("admin:quizzes_quiz_statistics", args=[plan["class_quiz"]])
        pages.append(("item analysis (admin:quizzes_quiz_statistics)", url))
    except NoReverseMatch:
        pages.append(("item analysis", ""))
    cohort = plan.get("cohort")
    try:
        url = reverse("admin:quizzes_cohort_report", args=[cohort or 0])
        if cohort:
            url += f"?quiz={plan['class_quiz']}"
        pages.append(("class report (admin:quizzes_cohort_report)", url if cohort else ""))
    except NoReverseMatch:
        pages.append(("class report", ""))
    return pages


def check_integrity(acks: list, since) -> dict:
    """Every acknowledged answer stored exactly once, with the answer last acknowledged."""
    from django.db.models import Count

    from quizzes.models import Response, option_value

    latest: dict[tuple[int, int], tuple[float, dict]] = {}
    for attempt, number, stored, at in acks:
        key = (attempt, number)
        if key not in latest or at >= latest[key][0]:
            latest[key] = (at, stored)
    attempts = {a for a, _ in latest}
    stored: dict[tuple[int, int], list] = defaultdict(list)
    rows = Response.objects.filter(slot__attempt_id__in=attempts).values_list(
        "slot__attempt_id", "slot__number", "answer"
    )
    for attempt, number, answer in rows.iterator(chunk_size=5000):
        # Acknowledged answers carry option values (what the page posts), not ids.
        value_of = partial(option_value, attempt, number)
        stored[attempt, number].append(pages.as_posted(answer, value_of))
    lost = [k for k, (_, answer) in latest.items() if answer not in stored.get(k, [])]
    duplicates = (
        Response.objects.filter(slot__attempt_id__in=attempts)
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    new = Response.objects.filter(created__gte=since).values_list(
        "slot__attempt_id", "slot__number"
    )
    unacknowledged = sum(1 for key in new.iterator(chunk_size=5000) if key not in latest)
    return {
        "acknowledged": len(acks),
        "slots": len(latest),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "duplicates": duplicates,
        "unacknowledged": unacknowledged,
    }


# --- report ---------------------------------------------------------------------------------


def fmt(value: float, digits: int = 1) -> str:
    return "—" if value != value else f"{value:.{digits}f}"  # NaN → dash


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


def main() -> int:
    args = parse_args()
    if args.probe_page:
        probe_page(args.probe_page, args.session)
        return 0
    wall = time.monotonic()
    signal.signal(signal.SIGTERM, _on_sigterm)
    tmp = Path(tempfile.mkdtemp(prefix="studyhub-bench."))
    out_dir = args.out or tmp
    out_dir.mkdir(parents=True, exist_ok=True)
    server = collect = None
    try:
        with database(args, tmp) as (db_env, db_label):
            env = harness.site_env(
                STUDYHUB_BENCH="1", DJANGO_STATIC_ROOT=str(tmp / "static"), **db_env
            )
            os.environ.clear()
            os.environ.update(env)
            collect = subprocess.Popen(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            print_header(args, db_label)
            data.setup_django()
            print_settings()
            started = time.perf_counter()
            data.setup_site()
            site_seconds = time.perf_counter() - started
            sizes = data.Sizes(args.learners, args.responses, args.heavy, args.users, args.burst)
            plan = data.generate(sizes, log=lambda *_: None)
            counts = plan["counts"]
            print(
                f"data: migrate + seed course {site_seconds:.1f} s; generated in "
                f"{counts['seconds']:.1f} s: {counts['learners']} learners, "
                f"{counts['attempts']} attempts, {counts['slots']} slots, "
                f"{counts['responses']} responses ({counts['finished_responses']} in finished "
                f"attempts), {counts['options']} matched options, {counts['cards']} review cards"
            )
            if settled := settle_database():
                print(f"data: {settled}")
            plan_path = tmp / "plan.json"
            plan_path.write_text(json.dumps(plan))
            from django.db import connections

            connections.close_all()
            if collect.wait(timeout=120):
                raise RuntimeError(f"collectstatic failed: {collect.stderr.read().decode()}")
            server = harness.Gunicorn(
                env,
                out_dir / "gunicorn.log",
                workers=args.workers,
                worker_class=args.worker_class,
                threads=args.threads,
            ).start()
            print(
                f"gunicorn: {server.url} ({server.proc.pid}); setup took "
                f"{time.monotonic() - wall:.0f} s\n"
            )
            report = load_and_measure(args, plan, plan_path, server, out_dir, wall + 180)
            server.stop()
            report_all(plan, report)
            print(f"\nwall clock: {time.monotonic() - wall:.0f} s (target ≤ 180 s)")
            return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything this run started", file=sys.stderr)
        return 130
    finally:
        harness.stop_group(collect, grace=2)
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.out is not None:
            print(f"locust CSVs, samples and logs kept in {out_dir}")


def settle_database() -> str:
    """On PostgreSQL, VACUUM ANALYZE the freshly loaded data; a description, or "" (SQLite).

    A live site's tables grow a little at a time and autovacuum keeps their planner
    statistics current. Here 100,000 responses arrive in bulk seconds before the load, and
    autovacuum only notices them a minute later. Without statistics the planner took
    quizzes_slot for 1.8 million rows (it holds 120,000) and answered the quiz page's and the
    dashboard's "recent attempts" query by walking the whole slot index per attempt: 1.4 and
    2.6 s in-process, against 62 and 91 ms once analyzed; the mixed phase's p95 was seconds.
    Autovacuum then ran in the middle of the closed loop. VACUUM also sets the new rows'
    hint bits and the visibility map, so the load starts where autovacuum would leave it.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # outside a transaction: Django autocommits here
    return f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s (as autovacuum would)"


def print_header(args, db_label: str) -> None:
    import django
    import gunicorn
    import locust

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    print("StudyHub load benchmark")
    print(f"machine: {os.cpu_count()} cores ({affinity} usable), {platform.platform()}")
    print(
        f"software: Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, locust {locust.__version__}"
    )
    print(f"database: {db_label}")
    threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    print(
        f"server: gunicorn studyhub.wsgi on 127.0.0.1, {args.workers} workers "
        f"({args.worker_class}{threads}), DEBUG off, DJANGO_HTTPS=0, whitenoise, "
        "collectstatic to a temp dir, STUDYHUB_BENCH=1"
    )
    print(
        f"load: mixed {args.users} learners x {args.mixed_seconds:.0f} s (think {args.think} s); "
        f"closed loop {args.users} users x {args.phase_seconds:.0f} s per endpoint; "
        f"burst {args.burst} learners within {args.burst_window:.0f} s"
    )


def print_settings() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    options = {k: v for k, v in db.get("OPTIONS", {}).items() if k != "init_command"}
    print(
        f"settings: DEBUG={settings.DEBUG}, ENGINE={db['ENGINE'].rsplit('.', 1)[-1]}, "
        f"CONN_MAX_AGE={db.get('CONN_MAX_AGE')}, OPTIONS={options}, "
        f"SESSION_ENGINE={settings.SESSION_ENGINE.rsplit('.', 1)[-1]}, "
        f"cache={settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"static={settings.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"SECURE_SSL_REDIRECT={getattr(settings, 'SECURE_SSL_REDIRECT', False)}, "
        f"RATE_LIMITS={settings.RATE_LIMITS}"
    )


def load_and_measure(args, plan, plan_path, server, out_dir, deadline: float) -> dict:
    """The three locust phases, then the worst-case pages over HTTP (gunicorn still up)."""
    from django.utils import timezone

    load_started = timezone.now()
    base = {"BENCH_PLAN": str(plan_path), "BENCH_THINK": args.think}
    phases = [p for p in args.phases.split(",") if p]
    closed_seconds = len(phases) * (args.phase_seconds + 5) + 10
    runs = [
        ("mixed", "MixedLearner", args.users, args.mixed_seconds, {}),
        ("closed", "ClosedLoop", args.users, closed_seconds, {
            "BENCH_PHASES": ",".join(phases), "BENCH_PHASE_SECONDS": str(args.phase_seconds)
        }),
        ("burst", "BurstLearner", args.burst, args.burst_window + 50, {
            "BENCH_BURST_WINDOW": str(args.burst_window)
        }),
    ]  # fmt: skip
    report: dict = {"phases": phases, "load_started": load_started, "args": args}
    for name, user_class, users, seconds, extra in runs:
        started = time.monotonic()
        # Server CPU is sampled during the closed loop, where one endpoint runs at a time.
        closed = name == "closed"
        sampler = harness.CpuSampler(server.worker_pids()) if closed else contextlib.nullcontext()
        with sampler:
            report[name] = run_locust(
                name, user_class, users, seconds, {**base, **extra}, out_dir, server.url,
                timeout=seconds + 30,
            )  # fmt: skip
        if closed:
            report["cpu"] = sampler
        print(f"phase {name}: {time.monotonic() - started:.0f} s")

    heavy = plan["groups"]["heavy"][0]
    report["heavy_http"] = time_over_http(server.url + "/progress/", heavy)
    report["admin"] = {}
    for label, path in admin_pages(plan):
        if not path:
            continue
        budget = max(5.0, min(45.0, deadline - time.monotonic() - 25))
        probe = probe_in_child(path, plan["admin"]["session"], timeout=budget)
        http = (float("nan"), 0)
        if probe is not None and probe["ms"] < 5000:
            http = time_over_http(server.url + path, plan["admin"], runs=1)
        report["admin"][label] = (probe, http, budget)
    return report


def report_all(plan: dict, report: dict) -> None:
    """Integrity and per-endpoint query counts in-process, then every table."""
    args = report["args"]
    acks = report["mixed"]["acks"] + report["closed"]["acks"] + report["burst"]["acks"]
    integrity = check_integrity(acks, report["load_started"])
    queries = measure_queries(plan)
    heavy_ms, heavy_queries, heavy_status = time_in_process(
        plan["groups"]["heavy"][0], "/progress/", runs=3
    )
    head = ["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "queries"]

    mixed = summarise(report["mixed"]["samples"])
    print(f"\n== Mixed scenario: {args.users} concurrent learners, think time {args.think} s ==")
    rows = []
    for name in LEARNER_PAGES:
        if name in mixed:
            m = mixed[name]
            rows.append([name, str(m["n"]), fmt(m["rps"]), fmt(m["p50"]), fmt(m["p95"]),
                         fmt(m["p99"]), str(m["errors"]), _q(queries, name)])  # fmt: skip
    print(table(head, rows))
    for note in report["mixed"]["notes"][:5]:
        print(f"  note: {note}")

    closed = report["closed"]
    print(
        f"\n== Throughput: closed loop, {args.users} users on one endpoint at a time, no think "
        f"time, {args.phase_seconds:g} s window each =="
    )
    by_phase = defaultdict(list)
    for sample in closed["samples"]:
        by_phase[sample[0]].append(sample)
    results = {}
    for phase in report["phases"]:
        info = closed["phases"].get(phase)
        if info and by_phase.get(phase):
            end = min(info["end"], info.get("exhausted", info["end"]))
            results[phase] = summarise(by_phase[phase], (info["start"], end))[phase]
            results[phase]["window"] = end - info["start"]
    cpu = report.get("cpu")
    for phase, r in results.items():
        info = closed["phases"][phase]
        start = info["start"]
        used = cpu.used(start, start + r["window"]) if cpu else float("nan")
        r["cpu_ms"] = 1000 * used / r["completed"] if r["completed"] else float("nan")
    shell = results.get("shell", {}).get("rps", float("nan"))
    for r in results.values():
        r["of_shell"] = 100 * r["rps"] / shell if shell == shell and shell else float("nan")
    rows = []
    for phase, r in results.items():
        rows.append([phase, GROUPS.get(phase, "—"), str(r["completed"]), fmt(r["rps"]),
                     "—" if phase == "baseline" else fmt(r["of_shell"], 0) + " %",
                     fmt(r["cpu_ms"], 2), fmt(r["p50"]), fmt(r["p95"]), fmt(r["p99"]),
                     str(r["errors"]), _q(queries, phase)])  # fmt: skip
    print(table(["endpoint", "group", "requests", "req/s", "of shell", "cpu ms", *head[3:]], rows))
    print(
        "  of shell: req/s as a share of /bench/shell (session, user, base.html) in this run; "
        "cpu ms: worker thread time per request; baseline (SELECT 1, no session) is a canary"
    )
    short = [p for p, r in results.items() if r["window"] < args.phase_seconds - 0.05]
    if short:
        print(f"  note: ran out of prepared work early (shorter window): {', '.join(short)}")

    burst = summarise(report["burst"]["samples"])
    print(
        f"\n== Burst: {args.burst} learners start the mock exam within {args.burst_window:g} s =="
    )
    starts = [s[1] for s in report["burst"]["samples"] if s[0] == "start exam"]
    spread = max(starts) - min(starts) if starts else float("nan")
    rows = []
    for name in ("start exam", "slot (exam)", "answer (exam)"):
        if name in burst:
            b = burst[name]
            rows.append([name, str(b["n"]), fmt(b["p50"]), fmt(b["p95"]), fmt(b["max"]),
                         str(b["errors"]), ",".join(map(str, b["statuses"]))])  # fmt: skip
    print(table(["endpoint", "requests", "p50 ms", "p95 ms", "max ms", "errors", "statuses"], rows))
    burst_errors = sum(b["errors"] for b in burst.values())
    print(f"starts spread over {fmt(spread, 2)} s; errors: {burst_errors}")

    print("\n== Integrity ==")
    print(f"answer posts acknowledged (2xx): {integrity['acknowledged']} "
          f"({integrity['slots']} distinct slots)")  # fmt: skip
    print(f"lost answers: {integrity['lost']}")
    if integrity["lost_examples"]:
        print(f"  e.g. (attempt, slot): {integrity['lost_examples']}")
    print(f"duplicate answers: {integrity['duplicates']}")
    print(f"stored but never acknowledged (in flight when a phase was stopped): "
          f"{integrity['unacknowledged']}")  # fmt: skip

    print("\n== Worst cases ==")
    http_ms, http_status = report["heavy_http"]
    print(f"dashboard, 1 learner with {args.heavy} responses: {fmt(heavy_ms)} ms server time "
          f"(in-process, median of 3), {fmt(http_ms)} ms over HTTP (median of 5), "
          f"{heavy_queries} queries (status {heavy_status}/{http_status})")  # fmt: skip
    size = f"{args.learners} learners x {data.CLASS_SIZE} questions"
    for label, path in admin_pages(plan):
        if not path:
            print(f"{label}: skipped, the admin page does not exist in this checkout")
            continue
        probe, (http_ms, http_status), budget = report["admin"][label]
        if probe is None:
            print(f"{label}, {size}: did not finish within {budget:.0f} s (stopped)")
        elif probe.get("error"):
            print(f"{label}, {size}: failed: {probe['error']}")
        else:
            print(f"{label}, {size}: {fmt(probe['ms'])} ms server time (in-process), "
                  f"{fmt(http_ms)} ms over HTTP, {probe['queries']} queries "
                  f"(status {probe['status']}/{http_status or '—'})")  # fmt: skip

    errors = (
        sum(m["errors"] for m in mixed.values())
        + sum(r["errors"] for r in results.values())
        + burst_errors
    )
    print_targets(mixed, results, shell, integrity, errors, args.users)
    if args.json:
        write_json(args.json, mixed, results, queries, integrity, errors)
        print(f"\nJSON results written to {args.json}")


def print_targets(mixed, results, shell, integrity, errors, users) -> None:
    print("\n== Targets (reported, not enforced) ==")
    for group in ("read", "aggregate", "write"):
        pages = [p for p in LEARNER_PAGES if GROUPS[p] == group]
        low = [p for p in pages if p in results and results[p]["of_shell"] < TARGET_OF_SHELL[group]]
        slow = [p for p in pages if p in mixed and mixed[p]["p95"] > TARGET_P95_MS[group]]
        missed = ", ".join(f"{p} ({fmt(results[p]['of_shell'], 0)} %)" for p in low)
        print(f"{group}: throughput >= {TARGET_OF_SHELL[group]} % of the shell "
              f"({fmt(shell)} req/s): " + (f"missed by {missed}" if low else "met"))  # fmt: skip
        missed = ", ".join(f"{p} ({fmt(mixed[p]['p95'], 0)} ms)" for p in slow)
        print(f"{group}: p95 <= {TARGET_P95_MS[group]:.0f} ms at {users} learners (mixed): "
              + (f"missed by {missed}" if slow else "met"))  # fmt: skip
    print(f"errors: {errors}; lost answers: {integrity['lost']}; "
          f"duplicate answers: {integrity['duplicates']}")  # fmt: skip


def write_json(path: Path, mixed, results, queries, integrity, errors) -> None:
    """The per-endpoint figures as JSON (issue 14's shape); NaN becomes null."""

    def num(value, digits=2):
        return None if value is None or value != value else round(value, digits)

    endpoints = []
    for name in ["baseline", "shell", *LEARNER_PAGES]:
        r = results.get(name, {})
        endpoints.append(
            {
                "name": name,
                "group": GROUPS.get(name, "reference"),
                "req_s": num(r.get("rps")),
                "of_shell": None if name == "baseline" else num(r.get("of_shell"), 1),
                # Latency at 16 learners with think time; the references are not in that mix.
                "p95_ms": num(mixed[name]["p95"]) if name in mixed else None,
                "cpu_ms": num(r.get("cpu_ms"), 3),
                "queries": queries[name][0] if name in queries else None,
            }
        )
    document = {
        "endpoints": endpoints,
        "lost_answers": integrity["lost"],
        "duplicate_answers": integrity["duplicates"],
        "errors": errors,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def _q(queries: dict, name: str) -> str:
    return str(queries[name][0]) if name in queries else "—"


if __name__ == "__main__":
    sys.exit(main())
