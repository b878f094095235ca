"""Import a big question file while learners answer: do learners notice?

    .venv/bin/python tests/bench/import_under_load.py [--postgres] [--questions 50000]
        [--learners 16] [--warmup 10]
    make bench-import BENCH_ARGS="--postgres"

The site runs as in production (gunicorn, 2 sync workers, DEBUG off, whitenoise over
`collectstatic` output, 127.0.0.1 only) on a throwaway SQLite file (WAL) or, with
`--postgres`, a throwaway PostgreSQL cluster (tests/bench/harness.py). `--learners` guests
each loop through the seed course's practice quizzes: start, then read a question page and
post an answer (htmx) after about a second's thought (`--think`), question after question.
After a warm-up, `manage.py import_questions` imports a generated GIFT file of every kind
(tests/bench/import_speed.make_file) as an instructor would, in a separate process. Only
learner requests made while that import runs are counted: it prints their number, the
errors (any status >= 400 or dropped connection) and p50/p95/p99/max latency per endpoint
and overall, then the same for the second half of the warm-up (how slow the machine is
without an import), and what each error was, with the server log's lines about it.
Targets: 0 errors and p95 under 500 ms. Timings on a shared machine are noisy; the errors
are not. Everything it starts is stopped on exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.bench import harness, pages  # noqa: E402

HX = {"HX-Request": "true"}
SERVER_TROUBLE = re.compile(r"WORKER TIMEOUT|Error|error|Unavailable|locked|Traceback")


class Learner(threading.Thread):
    """One guest answering practice questions in a closed loop; records every request."""

    def __init__(self, base, quizzes, seed, stop: threading.Event, think: float):
        super().__init__(daemon=True)
        self.base, self.quizzes, self.stop, self.think = base, quizzes, stop, think
        self.http = requests.Session()
        self.rng = random.Random(seed)
        self.samples: list[tuple[float, str, float, bool]] = []  # (at, name, ms, ok)
        self.errors: list[tuple[float, str, str]] = []  # (at, name, status or exception)

    def request(self, name: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.http.request(
                method, self.base + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            response = None
            self.errors.append((started, name, type(error).__name__))
        ms = (time.monotonic() - started) * 1000
        ok = response is not None and response.status_code < 400
        self.samples.append((started, name, ms, ok))
        if response is not None and not ok:
            self.errors.append((started, name, f"HTTP {response.status_code}"))
        return response

    def post(self, name: str, path: str, data, htmx: bool = False):
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), **(HX if htmx else {})}
        return self.request(name, "POST", path, data=data, headers=headers)

    def run(self) -> None:
        while not self.stop.is_set():
            quiz = self.rng.choice(self.quizzes)
            if self.request("quiz page", "GET", quiz) is None:
                continue
            start = self.post("start", quiz + "start", {"restart": "1"})
            slot = pages.slot_from(start.headers.get("Location") if start is not None else None)
            if slot is None:
                time.sleep(0.5)
                continue
            attempt, number = slot
            while not self.stop.is_set():
                page = self.request("question page", "GET", f"/attempts/{attempt}/q/{number}/")
                if page is None or page.status_code != 200:
                    break
                picked = pages.pick_answer(page.text, self.rng)
                if picked is None:
                    break
                data = [("seq", str(pages.seq(page.text) or 0)), ("shown", "0"), *picked[0]]
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)
                self.post("answer", f"/attempts/{attempt}/q/{number}/answer", data, htmx=True)
                if number >= (pages.total(page.text) or number):
                    break
                number += 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(samples, since: float, until: float) -> dict:
    during = [s for s in samples if since <= s[0] <= until]
    by_name: dict[str, list] = {}
    for sample in during:
        by_name.setdefault(sample[1], []).append(sample)
    rows = {}
    for name, group in sorted(by_name.items()) + [("all learner requests", during)]:
        ms = [s[2] for s in group]
        rows[name] = {
            "requests": len(group),
            "errors": sum(not s[3] for s in group),
            "p50": statistics.median(ms) if ms else 0,
            "p95": percentile(ms, 95) if ms else 0,
            "p99": percentile(ms, 99) if ms else 0,
            "max": max(ms) if ms else 0,
        }
    return rows


GIFT_FILE = """
import json, sys
sys.path.insert(0, {root!r})
from tests.bench.data import setup_django
setup_django()
from courses.models import Course, Lesson
from quizzes.models import Quiz
from tests.bench.import_speed import make_file
course = Course.objects.order_by("pk").first()
lesson = Lesson.objects.filter(topic__course=course).order_by("pk").first()
data = make_file({count}, course, list(course.topics.order_by("order")), lesson)
slug, anchor = lesson.slug.encode(), sorted(lesson.anchors)[0].encode()
made_up = b"[lesson:" + slug + b"#first-section]"
data = data.replace(made_up, b"[lesson:" + slug + b"#" + anchor + b"]")
open({path!r}, "wb").write(data)
practice = Quiz.objects.filter(course=course, mode="practice", purpose="standard")
print(json.dumps([course.slug, [q.get_absolute_url() for q in practice]]))
"""


def gift_file(env: dict[str, str], folder: Path, count: int) -> tuple[Path, str, list[str]]:
    """Write the generated GIFT file (in a subprocess, so this process never opens the
    database); returns it, the course slug and its practice quizzes' URLs."""
    path = folder / "questions.gift"
    code = GIFT_FILE.format(root=str(ROOT), count=count, path=str(path))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    course, quizzes = json.loads(done.stdout.strip().splitlines()[-1])
    if not quizzes:
        raise RuntimeError("the seed course has no practice quiz to answer")
    return path, course, quizzes


def run(args, env: dict[str, str], folder: Path, label: str) -> None:
    env = {**env, "DJANGO_STATIC_ROOT": str(folder / "static")}
    harness.prepare_site(env)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    path, course, quizzes = gift_file(env, folder, args.questions)
    size = path.stat().st_size
    stop = threading.Event()
    with harness.Gunicorn(env, folder / "gunicorn.log", workers=2) as server:
        learners = [
            Learner(server.url, quizzes, seed, stop, args.think) for seed in range(args.learners)
        ]
        for learner in learners:
            learner.start()
        warm = time.monotonic()
        time.sleep(args.warmup)
        print(
            f"importing {args.questions:,} questions ({size / 1024:,.0f} KiB) while "
            f"{args.learners} learners answer…",
            flush=True,
        )
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "manage.py", "import_questions", str(path), "--course", course],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.monotonic()
        stop.set()
        for learner in learners:
            learner.join(timeout=90)
    if done.returncode:
        raise RuntimeError(f"the import failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    samples = [s for learner in learners for s in learner.samples]
    if args.samples:
        with open(args.samples, "w") as out:
            for at, name, ms, ok in sorted(samples):
                print(json.dumps([round(at - began, 3), name, round(ms), ok]), file=out)
    rows = report(samples, began, ended)
    print(f"\n{label}: import of {args.questions:,} questions took {ended - began:.1f} s")
    print(f"  {done.stdout.strip().splitlines()[-1]}")
    print(f"  learner requests during the import ({args.learners} learners):")
    print(
        f"  {'endpoint':<22}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}"
    )
    # The second half of the warm-up, for comparison: how slow the machine is anyway.
    rows["(before the import)"] = report(samples, warm + args.warmup / 2, began)[
        "all learner requests"
    ]
    for name, row in rows.items():
        print(
            f"  {name:<22}{row['requests']:>9}{row['errors']:>8}{row['p50']:>9.0f}"
            f"{row['p95']:>9.0f}{row['p99']:>9.0f}{row['max']:>9.0f}"
        )
    total = rows["all learner requests"]
    verdict = "met" if total["errors"] == 0 and total["p95"] < 500 else "NOT met"
    print(f"  target (0 errors, p95 < 500 ms): {verdict}. Timings on a shared machine are noisy.")
    errors = Counter(
        (name, what) for learner in learners for at, name, what in learner.errors if began <= at
    )
    for (name, what), count in sorted(errors.items()):
        print(f"  error: {count} × {what} on {name}")
    if errors:  # the server's side of them, before the temporary folder goes
        log = [line for line in server.log().splitlines() if SERVER_TROUBLE.search(line)]
        print("  server log:", *log[-20:], sep="\n    ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--learners", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=10, help="seconds before the import")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a learner reads a question before answering (the per-learner "
        "rate limits assume a human; 0 would trip them)",
    )
    parser.add_argument(
        "--samples",
        metavar="FILE",
        help="also write every learner request as a JSON line: [seconds since the import "
        "began, endpoint, ms, ok]",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="studyhub-import-bench."))
    try:
        if args.postgres:
            with harness.PgCluster() as cluster:
                env = harness.site_env(DATABASE_URL=cluster.url())
                run(args, env, folder, "PostgreSQL")
        else:
            env = harness.site_env(STUDYHUB_SQLITE_PATH=str(folder / "db.sqlite3"))
            run(args, env, folder, "SQLite (WAL)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    main()
