"""How fast the grades grid, the responses report and the class report are at 1,000 learners.

    .venv/bin/python tests/bench/grades_speed.py [--learners 1000] [--responses N]
        [--repeat 5] [--profile] [--only PAGE ...]

Builds the benchmark data set (tests/bench/data.py: every learner has taken the 20-question
class test; --responses, default 20 per learner, adds exams and practice up to that total,
as `make bench` does with 100,000) in a throwaway SQLite database, then requests as the
benchmark admin the class test's grades grid, its CSV and its responses report, and the
class report of the class holding every learner (whole, filtered to the class test as
`make bench` requests it, and its per-topic CSV). It prints the server time (best and median
of --repeat runs, Django's test client, no network), the least CPU time of the serving
thread (less swayed by other processes than the wall clock) and the number of queries.
The targets are under 1 s for the grades reports and under 200 ms for the class report
(issue 14). Timings on a shared machine are noisy; the query counts are exact.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("grades", "grades_csv", "responses", "class", "class_quiz", "class_csv")


def page_url(page: str, plan: dict) -> str:
    from django.urls import reverse

    quiz, cohort = plan["class_quiz"], plan["cohort"]
    if page == "class":
        return reverse("admin:quizzes_cohort_report", args=[cohort])
    if page == "class_quiz":
        return reverse("admin:quizzes_cohort_report", args=[cohort]) + f"?quiz={quiz}"
    if page == "class_csv":
        return reverse("admin:quizzes_cohort_report_csv", args=[cohort, "topics"])
    return reverse(f"admin:quizzes_quiz_{page}", args=[quiz])


def setup(folder: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["STUDYHUB_SQLITE_PATH"] = str(folder / "bench.sqlite3")
    os.environ["DJANGO_DEBUG"] = "0"  # Django then keeps no query log of its own
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
    sys.path.insert(0, str(ROOT))
    from tests.bench import data

    data.setup_django()
    data.setup_site()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--responses", type=int, help="graded answers in all (default 20 each)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=PAGES, default=PAGES, help="pages to time")
    parser.add_argument("--profile", action="store_true", help="print each page's top functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder))
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tests.bench import data

        settings.ALLOWED_HOSTS = ["*"]
        # Templates render without a collectstatic manifest, as in the tests.
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        responses = args.responses or 20 * args.learners
        sizes = data.Sizes(learners=args.learners, responses=responses, heavy=20)
        print(f"Building {args.learners} learners, {responses} answers …", flush=True)
        plan = data.generate(sizes, log=lambda *_: None)
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = plan["admin"]["session"]
        print(f"Python {platform.python_version()}, SQLite, {platform.machine()}")
        print(
            f"{'page':<12} {'best ms':>8} {'median ms':>10} {'best cpu ms':>12}"
            f" {'queries':>8} {'rows':>6}"
        )
        for page in args.only:
            url = page_url(page, plan)
            times, cpu, queries = [], [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started, thread_started = time.perf_counter(), time.thread_time()
                    response = client.get(url, secure=True)  # HTTPS redirect when DEBUG is off
                    times.append(time.perf_counter() - started)
                    cpu.append(time.thread_time() - thread_started)
                assert response.status_code == 200, (url, response.status_code)
                queries = len(captured)
            if args.profile:
                profile(client, url)
            body = response.content.decode()
            lines = body.count("\n") if page.endswith("csv") else body.count("<tr>")
            rows = lines - 1
            print(
                f"{page:<12} {1000 * min(times):>8.0f} {1000 * statistics.median(times):>10.0f}"
                f" {1000 * min(cpu):>12.0f} {queries:>8} {rows:>6}"
            )


def profile(client, url: str) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(client.get, url, secure=True)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
