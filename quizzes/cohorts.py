"""Class (cohort) reports: each learner's level and accuracy per topic, and CSV exports.

Everything is aggregated by `progress.stats_by_learner` and two plain queries, so a class of
a thousand runs the same handful of queries as a class of three.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from quizzes import attempts, progress
from quizzes.models import Attempt, Cohort, Quiz


@dataclass(frozen=True)
class ReportFilter:
    quiz: Quiz | None = None
    start: date | None = None
    end: date | None = None

    def responses(self) -> Q | None:
        q = Q()
        if self.quiz is not None:
            q &= Q(slot__attempt__quiz=self.quiz)
        if self.start is not None:
            q &= Q(graded__gte=day_start(self.start))
        if self.end is not None:
            q &= Q(graded__lt=day_start(self.end, next_day=True))
        return q or None

    def attempts(self) -> Q:
        q = Q()
        if self.quiz is not None:
            q &= Q(quiz=self.quiz)
        if self.start is not None:
            q &= Q(started__gte=day_start(self.start))
        if self.end is not None:
            q &= Q(started__lt=day_start(self.end, next_day=True))
        return q


def day_start(day: date, next_day: bool = False) -> datetime:
    moment = timezone.make_aware(datetime.combine(day, time.min))
    return moment + timedelta(days=1) if next_day else moment


@dataclass(frozen=True)
class LearnerRow:
    user: object
    stats: list[progress.TopicStats]


def class_report(cohort: Cohort, flt: ReportFilter = ReportFilter()) -> tuple[list, list]:
    """(topics, rows): one row per member, with their stats for each of the course's topics."""
    attempts.close_expired(Attempt.objects.filter(learner__user__memberships__cohort=cohort))
    members = list(cohort.memberships.select_related("user__learner").order_by("user__username"))
    topics = progress.topics_with_counts(course_id=cohort.course_id)
    learner_ids = [
        m.user.learner.pk for m in members if getattr(m.user, "learner", None) is not None
    ]
    # The report shows no dates: reading none keeps it fast at a thousand learners.
    by_learner = progress.stats_by_learner(
        learner_ids, topics, responses=flt.responses(), dates=False
    )
    empty = [progress.TopicStats(t, t.question_count) for t in topics]
    rows = []
    for m in members:
        learner = getattr(m.user, "learner", None)
        rows.append(LearnerRow(m.user, by_learner.get(learner.pk, empty) if learner else empty))
    return topics, rows


def attempts_csv(cohort: Cohort, flt: ReportFilter = ReportFilter()) -> str:
    """One row per learner per attempt at the class's course."""
    mine = Attempt.objects.filter(
        learner__user__memberships__cohort=cohort, quiz__course_id=cohort.course_id
    )
    attempts.close_expired(mine)
    rows = (
        mine.filter(flt.attempts())
        .select_related("quiz", "learner__user")
        .order_by("learner__user__username", "started")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "learner",
            "name",
            "quiz",
            "mode",
            "state",
            "started",
            "finished",
            "score",
            "out_of",
            "percent",
            "passed",
        ]
    )
    for a in rows:
        writer.writerow(
            [
                a.learner.user.get_username(),
                a.learner.user.get_full_name(),
                a.quiz.title,
                a.quiz.mode,
                a.state,
                a.started.isoformat(),
                a.finished.isoformat() if a.finished else "",
                "" if a.score is None else round(a.score, 4),
                a.slot_count,
                "" if a.percent is None else round(a.percent, 1),
                "" if a.is_open else ("yes" if a.passed else "no"),
            ]
        )
    return out.getvalue()


def topics_csv(cohort: Cohort, flt: ReportFilter = ReportFilter()) -> str:
    """The per-topic summary: one row per learner per topic."""
    _, rows = class_report(cohort, flt)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "learner",
            "name",
            "topic",
            "level",
            "questions_seen",
            "questions_in_topic",
            "answers",
            "recent_accuracy_percent",
        ]
    )
    for row in rows:
        for s in row.stats:
            writer.writerow(
                [
                    row.user.get_username(),
                    row.user.get_full_name(),
                    s.topic.title,
                    s.level.label,
                    s.seen,
                    s.total,
                    s.answers,
                    "" if s.recent_accuracy is None else round(100 * s.recent_accuracy, 1),
                ]
            )
    return out.getvalue()
