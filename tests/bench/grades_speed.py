"""How fast the grades grid and the responses report are: 1,000 learners × 20 questions.

    .venv/bin/python tests/bench/grades_speed.py [--learners 1000] [--repeat 5] [--profile]

Builds the benchmark data set (tests/bench/data.py: every learner has taken the 20-question
class test) in a throwaway SQLite database, then requests the class test's grades grid, its
CSV and its responses report as the benchmark admin, printing the server time (best and
median of --repeat runs, Django's test client, no network) and the number of queries.
The issue's target is under 1 s and at most 10 queries each. Timings on a shared machine
are noisy; the query counts are exact.
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
PAGES = ("grades", "grades_csv", "responses")


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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print each page's top functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder))
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from tests.bench import data

        settings.ALLOWED_HOSTS = ["*"]
        # Templates render without a collectstatic manifest, as in the tests.
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        sizes = data.Sizes(learners=args.learners, responses=20 * args.learners, heavy=20)
        print(f"Building {args.learners} learners × 20 questions …", flush=True)
        plan = data.generate(sizes, log=lambda *_: None)
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = plan["admin"]["session"]
        quiz = plan["class_quiz"]
        print(f"Python {platform.python_version()}, SQLite, {platform.machine()}")
        print(f"{'page':<12} {'best ms':>8} {'median ms':>10} {'queries':>8} {'rows':>6}")
        for page in PAGES:
            url = reverse(f"admin:quizzes_quiz_{page}", args=[quiz])
            times, queries = [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, secure=True)  # HTTPS redirect when DEBUG is off
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
                queries = len(captured)
            if args.profile:
                profile(client, url)
            body = response.content.decode()
            rows = body.count("\n") - 1 if page == "grades_csv" else body.count("<tr>") - 1
            print(
                f"{page:<12} {1000 * min(times):>8.0f} {1000 * statistics.median(times):>10.0f}"
                f" {queries:>8} {rows:>6}"
            )


def profile(client, url: str) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(client.get, url, secure=True)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
