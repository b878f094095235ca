"""Where each bench page's server time goes, layer by layer: the measured cause behind a
missed throughput target.

    .venv/bin/python tests/bench/profile_pages.py               # SQLite, a temp file (WAL)
    .venv/bin/python tests/bench/profile_pages.py --postgres    # a throwaway PostgreSQL

It builds the bench's data (tests/bench/data.py, production settings as `make bench`), then
requests every endpoint of `run.measure_queries` in-process, `--runs` times, each time for a
different learner (writes never repeat on the same state), under cProfile timing this
thread's CPU (so a busy machine does not skew it). Each function's self time is given to the
layer its code belongs to (see LAYERS), standard library time to its caller's layer: what the
page spends in the SQL driver, in building querysets and model instances, in templates, in
URL reversing, in the session and user, and in our own code. Times under a profiler are about
twice the real ones: read the shares, and the difference from the shell (an empty
authenticated page), not the absolute milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import data, harness, run

# (column, layer, what a function's file path or builtin name contains). First match wins.
LAYERS = [
    ("SQL", "SQL (driver)", ("sqlite3", "psycopg", "_sqlite3")),
    ("session", "session and user", ("django/contrib/sessions", "django/contrib/auth")),
    ("ORM", "ORM: querysets, SQL compiling, model instances", ("django/db/",)),
    ("templ", "templates", ("django/template/", "django/templatetags/", "django/forms/")),
    ("md", "Markdown", ("/markdown/",)),
    ("fsrs", "FSRS", ("/fsrs/",)),
    ("urls", "URL reversing and resolving", ("django/urls/",)),
    ("utils", "Django utils: escaping, dates, signing", ("django/utils/", "django/core/signing")),
    ("request", "request, middleware, response", ("django/", "whitenoise", "django_htmx")),
    ("app", "StudyHub code", ("/courses/", "/quizzes/", "/studyhub/")),
]
OTHER = "Python stdlib and builtins, not called from a layer above"


def layer_of(filename: str, name: str) -> str:
    where = filename if filename != "~" else name
    for _column, layer, needles in LAYERS:
        if any(n in where for n in needles):
            return layer
    return OTHER


class Profiles:
    """One cProfile per endpoint, accumulated over every run."""

    def __init__(self, show: set[str] = frozenset()):
        # CPU time of this thread, not wall time: a busy machine does not skew the split.
        # (On PostgreSQL the server's own work is then left out; its client's is counted.)
        self.profiles: dict[str, cProfile.Profile] = defaultdict(
            lambda: cProfile.Profile(time.thread_time)
        )
        self.calls: dict[str, int] = defaultdict(int)
        self.show = show  # endpoints whose SQL is printed, on their first request

    @contextlib.contextmanager
    def around(self, name: str):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        profile = self.profiles[name]
        with CaptureQueriesContext(connection) as queries:
            profile.enable()
            try:
                yield
            finally:
                profile.disable()
        if name in self.show and not self.calls[name]:
            print(f"\n{name}: {len(queries)} queries")
            for query in queries:
                print(f"  {query['sql'][:300]}")
        self.calls[name] += 1

    def layers(self, name: str) -> dict[str, float]:
        """Milliseconds per request, by layer, from self time. Time in the standard library
        and builtins goes to whoever called them (a `str.join` in a template is template
        time), split by how much each caller spent in them. The test client's own frames (it
        builds the WSGI request and reads the response) are left out."""
        stats = pstats.Stats(self.profiles[name]).stats
        shares: dict[tuple, dict[str, float]] = {}

        def share(func, seen: frozenset = frozenset()) -> dict[str, float]:
            """How func's self time splits over layers (memoised; a cycle stays OTHER)."""
            if func in shares:
                return shares[func]
            filename, _line, funcname = func
            layer = "test client" if "django/test/" in filename else layer_of(filename, funcname)
            callers = stats[func][4] if func in stats else {}
            spent = sum(c[2] for c in callers.values())
            if layer != OTHER or not spent or func in seen:
                result = {layer: 1.0}
            else:
                result = defaultdict(float)
                for caller, c in callers.items():
                    for up, fraction in share(caller, seen | {func}).items():
                        result[up] += fraction * c[2] / spent
            if not seen:  # only a complete answer is memoised
                shares[func] = result
            return result

        ms: dict[str, float] = defaultdict(float)
        for func, (_cc, _nc, tottime, _ct, _callers) in stats.items():
            for layer, fraction in share(func).items():
                ms[layer] += tottime * fraction * 1000 / self.calls[name]
        ms.pop("test client", None)
        return ms


def print_table(profiles: Profiles, queries: dict[str, int]) -> None:
    names = list(profiles.profiles)
    columns = [layer for _, layer, _ in LAYERS] + [OTHER]
    short = [column for column, _, _ in LAYERS] + ["other"]
    rows = []
    for name in names:
        ms = profiles.layers(name)
        total = sum(ms.values())
        rows.append(
            [name, f"{total:.1f}", str(queries.get(name, "")), *(f"{ms[c]:.1f}" for c in columns)]
        )
    print(run.table(["endpoint", "ms", "queries", *short], rows))
    print("\nlayers: " + "; ".join(f"{s} = {c}" for s, c in zip(short, columns, strict=True)))
    print("ms: profiled CPU time per request (about 2x real): compare rows, not absolutes.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    parser.add_argument("--runs", type=int, default=20, help="requests per endpoint")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--sql", action="append", default=[], help="print this endpoint's SQL")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="studyhub-profile."))
    db_args = argparse.Namespace(postgres=args.postgres, sqlite=not args.postgres)
    with run.database(db_args, tmp) as (db_env, db_label):
        os.environ.clear()
        static = str(tmp / "static")
        os.environ.update(harness.site_env(STUDYHUB_BENCH="1", DJANGO_STATIC_ROOT=static, **db_env))
        data.setup_django()
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        data.setup_site()
        sizes = data.Sizes(args.learners, args.responses, 10_000, 16, 200)
        plan = data.generate(sizes, log=lambda *_: None)
        learners = [x for x in plan["groups"]["pool_b"] if "finished" in x][: args.runs + 1]
        if len(learners) <= args.runs:
            raise SystemExit(f"only {len(learners)} learners with history: lower --runs")
        run.measure_queries(plan, probe=learners[0])  # warm up: templates, content types
        profiles = Profiles(set(args.sql))
        queries: dict[str, int] = {}
        for learner in learners[1:]:
            for name, (count, _ms, status) in run.measure_queries(
                plan, probe=learner, around=profiles.around
            ).items():
                if status >= 400:
                    raise SystemExit(f"{name} answered {status}")
                queries[name] = count
        print(f"{db_label}: {args.runs} requests per endpoint, in-process, under cProfile\n")
        print_table(profiles, queries)
        from django.db import connections

        connections.close_all()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
