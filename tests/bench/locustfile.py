"""Simulated learners for tests/bench/run.py, which explains the method in its docstring.

    locust -f tests/bench/locustfile.py --headless -u 16 -r 100 -t 20s MixedLearner

Three user classes, one per phase of the benchmark:

- `MixedLearner`: the learner journey with think time: home, course, read a lesson,
  practise (start a quiz, answer questions with htmx POSTs), open the dashboard, take the
  mock exam (start, answer, summary, submit, review). Answers are read off the page like a
  browser would.
- `ClosedLoop`: one endpoint at a time, every user hammering it with no think time, for the
  same number of seconds; a barrier starts each endpoint's phase for all users at once.
  The work (open attempts, ready answers) comes from the plan tests/bench/data.py wrote.
- `BurstLearner`: each user starts the same exam at a random moment within a few seconds,
  opens the first question and answers it.

Requests are named by route ("answer (exam)"), never by URL. Each simulated learner sends its
own session cookie (data.py made the sessions) and CSRF token; the client's cookie jar is off,
so one greenlet can act as several learners. Every answer post acknowledged with a 2xx is
recorded (attempt, slot number, stored answer), and every request as a raw sample; both go to
the JSON file in BENCH_OUT when locust quits.
"""

import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.pages import pick_answer, seq, slot_from, total

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
THINK = tuple(float(x) for x in os.environ.get("BENCH_THINK", "0.2,0.8").split(","))
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "3"))
PHASES = [p for p in os.environ.get("BENCH_PHASES", "").split(",") if p]
USERS = int(os.environ.get("BENCH_USERS", "16"))
BURST_WINDOW = float(os.environ.get("BENCH_BURST_WINDOW", "5"))

SAMPLES: list[tuple] = []  # (name, start epoch, ms, status, failed)
ACKS: list[tuple] = []  # (attempt, number, stored answer, epoch)
PHASE_TIMES: dict[str, dict] = {}
NOTES: list[str] = []


@events.request.add_listener
def _sample(name, start_time, response_time, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    SAMPLES.append((name, start_time, response_time, status, exception is not None))


@events.quitting.add_listener
def _write(environment, **kwargs):
    out = os.environ.get("BENCH_OUT")
    if out:
        results = {"samples": SAMPLES, "acks": ACKS, "phases": PHASE_TIMES, "notes": NOTES}
        Path(out).write_text(json.dumps(results))


# --- one simulated learner's HTTP -----------------------------------------------------------


class Learner(FastHttpUser):
    abstract = True
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        self.client.client.cookiejar = None  # identities travel in explicit Cookie headers
        self.rng = random.Random()

    def _headers(self, ident: dict, htmx: bool) -> dict:
        headers = {"Cookie": f"sessionid={ident['session']}; csrftoken={ident['csrf']}"}
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    def get(self, ident: dict, path: str, name: str, htmx: bool = False):
        return self.client.get(
            path, name=name, headers=self._headers(ident, htmx), allow_redirects=False
        )

    def post(self, ident: dict, path: str, name: str, fields=(), htmx: bool = False):
        headers = self._headers(ident, htmx)
        headers["X-CSRFToken"] = ident["csrf"]
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.client.post(
            path, data=urlencode(list(fields)), name=name, headers=headers, allow_redirects=False
        )

    def answer(self, ident, attempt, number, seq, fields, stored, name):
        data = [("seq", str(seq)), ("shown", str(int(time.time()) - 5)), *fields]
        path = f"/attempts/{attempt}/q/{number}/answer"
        response = self.post(ident, path, name, data, htmx=True)
        # HX-Redirect sends the learner elsewhere (time is up, attempt closed): not stored.
        redirected = (getattr(response, "headers", None) or {}).get("HX-Redirect")
        if 200 <= response.status_code < 300 and not redirected:
            ACKS.append((attempt, number, stored, time.time()))
        return response


def _slot_from(response) -> tuple[int, int] | None:
    headers = getattr(response, "headers", None) or {}
    return slot_from(headers.get("Location"))


# --- mixed scenario -------------------------------------------------------------------------

_mixed_index = iter(range(10**6))


class MixedLearner(Learner):
    """The learner journey, with think time between pages."""

    wait_time = constant(0)

    def on_start(self):
        super().on_start()
        group = PLAN["groups"]["mixed"]
        self.ident = group[next(_mixed_index) % len(group)]
        # Learners arrive at different moments, not all on the same millisecond.
        gevent.sleep(self.rng.uniform(0, 2 * THINK[1]))

    def think(self):
        gevent.sleep(self.rng.uniform(*THINK))

    @task
    def journey(self):
        ident, course = self.ident, PLAN["course"]
        self.get(ident, "/", "home")
        self.think()
        self.get(ident, f"/courses/{course}/", "course")
        self.think()
        self.get(ident, self.rng.choice(PLAN["lessons"]), "lesson")
        self.think()
        self.practise(self.rng.choice(PLAN["practice"]), answers=3)
        self.get(ident, "/progress/", "dashboard")
        self.think()
        exam = f"/quizzes/{course}/{PLAN['exam']}/"
        self.get(ident, exam, "quiz page")
        self.think()
        self.take_exam(exam + "start", answers=3)

    def practise(self, quiz: str, answers: int):
        start = f"/quizzes/{PLAN['course']}/{quiz}/start"
        where = _slot_from(self.post(self.ident, start, "start practice"))
        done = 0
        while where and done < answers:
            attempt, number = where
            page = self.get(self.ident, f"/attempts/{attempt}/q/{number}/", "slot (practice)").text
            if f'hx-post="/attempts/{attempt}/q/{number}/answer"' not in page:
                # Every question of this attempt is answered: start the quiz again.
                where = _slot_from(
                    self.post(self.ident, start, "start practice", [("restart", "1")])
                )
                done += 1
                continue
            self.think()
            count = total(page) or number
            picked = pick_answer(page, self.rng)
            if picked is None:
                NOTES.append(f"no answer form on practice slot {attempt}/{number}")
                return
            self.answer(self.ident, attempt, number, 0, *picked, "answer (practice)")
            done += 1
            where = (attempt, number + 1) if number < count else None

    def take_exam(self, start: str, answers: int):
        where = _slot_from(self.post(self.ident, start, "start exam"))
        if where is None:
            return
        attempt, number = where
        for _ in range(answers):
            page = self.get(self.ident, f"/attempts/{attempt}/q/{number}/", "slot (exam)").text
            self.think()
            picked, version = pick_answer(page, self.rng), seq(page)
            if picked is None or version is None:
                NOTES.append(f"no answer form on exam slot {attempt}/{number}")
                break
            self.answer(self.ident, attempt, number, version, *picked, "answer (exam)")
            if number >= (total(page) or number):
                break
            number += 1
        self.get(self.ident, f"/attempts/{attempt}/summary/", "summary")
        self.think()
        self.post(self.ident, f"/attempts/{attempt}/submit", "submit exam")
        self.get(self.ident, f"/attempts/{attempt}/review/", "review")
        self.think()


# --- closed loop, one endpoint at a time ----------------------------------------------------


class Barrier:
    def __init__(self, parties: int):
        self.parties, self.count, self.event = parties, 0, Event()
        self.released = 0.0

    def wait(self) -> float:
        self.count += 1
        if self.count >= self.parties:
            self.released = time.time()
            self.event.set()
        else:
            self.event.wait()
        return self.released


_barriers: dict[str, Barrier] = {}
_shared: dict[str, object] = {}  # phase -> the one iterator of write work all users share
_closed_index = iter(range(10**6))


def barrier(name: str) -> Barrier:
    return _barriers.setdefault(name, Barrier(USERS))


class ClosedLoop(Learner):
    """Each phase: all users request one endpoint back to back for PHASE_SECONDS."""

    wait_time = constant(0)

    def on_start(self):
        super().on_start()
        self.index = next(_closed_index)
        groups = PLAN["groups"]
        self.pool = (groups["pool_a"] + groups["pool_b"])[self.index :: USERS]
        self.pool_a = groups["pool_a"][self.index :: USERS]

    @task
    def run_phases(self):
        for phase in PHASES:
            started = barrier(phase).wait()
            PHASE_TIMES.setdefault(phase, {"start": started, "end": started + PHASE_SECONDS})
            deadline = started + PHASE_SECONDS
            for step in self.work(phase):
                if time.time() >= deadline:
                    break
                step()
            else:
                info = PHASE_TIMES[phase]
                info["exhausted"] = min(info.get("exhausted", 1e18), time.time())
        barrier("end").wait()
        if self.index == 0:
            gevent.spawn(self.environment.runner.quit)
        gevent.sleep(60)

    def work(self, phase: str):
        """An iterator of zero-argument calls, one request each."""
        course, plan = PLAN["course"], PLAN
        get = self.get
        if phase in ("baseline", "shell"):
            return _cycle(self.pool, lambda i: get(i, f"/bench/{phase}", phase))
        if phase == "home":
            return _cycle(self.pool, lambda i: get(i, "/", phase))
        if phase == "course":
            return _cycle(self.pool, lambda i: get(i, f"/courses/{course}/", phase))
        if phase == "lesson":
            lessons = plan["lessons"]
            return _cycle(self.pool, lambda i: get(i, self.rng.choice(lessons), phase))
        if phase == "quiz page":
            url = f"/quizzes/{course}/{plan['exam']}/"
            return _cycle(self.pool, lambda i: get(i, url, phase))
        if phase == "dashboard":
            return _cycle(self.pool, lambda i: get(i, "/progress/", phase))
        if phase == "review":
            return _cycle(self.pool, lambda i: get(i, f"/attempts/{i['finished']}/review/", phase))
        if phase == "slot (practice)":
            return _cycle(self.pool, lambda i: self._slot(i, i["practice"], phase))
        if phase == "slot (exam)":
            return _cycle(self.pool_a, lambda i: self._slot(i, i["exam"], phase))
        if phase == "summary":
            return _cycle(
                self.pool_a, lambda i: get(i, f"/attempts/{i['exam']['attempt']}/summary/", phase)
            )
        if phase not in _shared:
            # Writes never repeat: all users draw from one queue, so it runs dry only when the
            # prepared work is used up (greenlets switch only on I/O, so sharing is safe).
            _shared[phase] = iter(list(_write_work(phase)))
        queue = _shared[phase]
        return ((lambda item=item: self.write(phase, item)) for item in queue)

    def write(self, phase: str, item: tuple):
        course = PLAN["course"]
        if phase in ("answer (practice)", "answer (exam)"):
            ident, attempt, slot = item
            fields = [tuple(f) for f in slot["form"]]
            return self.answer(ident, attempt, slot["number"], 0, fields, slot["stored"], phase)
        if phase == "start practice":
            ident, quiz = item
            return self.post(ident, f"/quizzes/{course}/{quiz}/start", phase)
        if phase == "start exam":
            return self.post(item[0], f"/quizzes/{course}/{PLAN['exam']}/start", phase)
        if phase == "submit exam":
            return self.post(item[0], f"/attempts/{item[0]['exam']['attempt']}/submit", phase)
        raise ValueError(f"unknown phase {phase!r}")

    def _slot(self, ident, work, name):
        number = self.rng.choice(work["slots"])["number"]
        return self.get(ident, f"/attempts/{work['attempt']}/q/{number}/", name)


def _write_work(phase: str):
    """The prepared, never-repeated work items of a write phase, interleaved over learners."""
    groups = PLAN["groups"]
    pool = groups["pool_a"] + groups["pool_b"]
    if phase in ("answer (practice)", "answer (exam)"):
        kind = "practice" if phase == "answer (practice)" else "exam"
        learners = pool if kind == "practice" else groups["pool_a"]
        rows = max((len(i[kind]["slots"]) for i in learners), default=0)
        for row in range(rows):  # one slot per learner per round: no learner is hammered
            for i in learners:
                if row < len(i[kind]["slots"]):
                    yield (i, i[kind]["attempt"], i[kind]["slots"][row])
    elif phase == "start practice":
        for quiz in PLAN["practice"][1:]:
            for i in pool:
                yield (i, quiz)
    elif phase == "start exam":
        for i in groups["pool_b"]:
            yield (i,)
    elif phase == "submit exam":
        for i in groups["pool_a"]:
            yield (i,)
    else:
        raise ValueError(f"unknown phase {phase!r}")


def _cycle(pool, call):
    while pool:
        for ident in pool:
            yield lambda ident=ident: call(ident)


# --- burst: many learners start the same exam at once ---------------------------------------

_burst_index = iter(range(10**6))
_burst_zero: list[float] = []


class BurstLearner(Learner):
    wait_time = constant(0)

    def on_start(self):
        super().on_start()
        self.index = next(_burst_index)
        group = PLAN["groups"]["burst"]
        self.ident = group[self.index % len(group)]
        if not _burst_zero:
            _burst_zero.append(time.time())

    @task
    def start_exam(self):
        gevent.sleep(max(0.0, _burst_zero[0] + self.rng.uniform(0, BURST_WINDOW) - time.time()))
        start = f"/quizzes/{PLAN['course']}/{PLAN['exam']}/start"
        where = _slot_from(self.post(self.ident, start, "start exam"))
        if where is not None:
            attempt, number = where
            page = self.get(self.ident, f"/attempts/{attempt}/q/{number}/", "slot (exam)").text
            picked, version = pick_answer(page, self.rng), seq(page)
            if picked and version is not None:
                self.answer(self.ident, attempt, number, version, *picked, "answer (exam)")
        else:
            NOTES.append(f"burst learner {self.index}: start did not redirect to a question")
        started = barrier("burst-end").wait()
        PHASE_TIMES.setdefault("burst", {"start": _burst_zero[0], "end": started})
        if self.index == 0:
            gevent.spawn(self.environment.runner.quit)
        gevent.sleep(60)
