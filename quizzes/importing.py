"""Turning interchange questions (from GIFT or Aiken) into database rows, and back.

One importer serves the `import_questions` command, the admin import page and the course
loader. Every check runs before anything is written; the write then runs in short
transactions (see `save_plan`), so learners never wait for an import. Questions with an ID
number are updated in place, keeping their answer rows (and so their ids in past responses)
where the position is unchanged.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from time import monotonic, sleep

from django.db import transaction
from django.utils.text import slugify

from courses import fragments
from courses.models import Course, Lesson, Topic
from quizzes import kinds, versions
from quizzes.formats import aiken, gift
from quizzes.formats.interchange import (
    ANSWER_FIELDS,
    AnswerData,
    ParseIssue,
    QuestionData,
)
from quizzes.models import REVIEW_ALWAYS, REVIEW_ITEMS, Answer, Question, Quiz, QuizQuestion, Tag


def problems(q: QuestionData) -> list[str]:
    """What makes a question unusable, in words an author understands. Empty when fine."""
    out: list[str] = []
    answers = q.answers
    if not q.text.strip():
        out.append("the question has no text")
    for a in answers:
        if not -1 <= a.fraction <= 1:
            out.append(f"answer “{a.text}” has a grade outside -100%..100%")
        if a.tolerance is not None and (a.tolerance < 0 or math.isnan(a.tolerance)):
            out.append(f"answer “{a.text}” has a negative tolerance")
    kind = kinds.KINDS.get(q.kind)
    if kind is None:
        out.append(f"unknown question kind “{q.kind}”")
    else:
        out.extend(kind.problems(q))
    return out


@dataclass
class ImportPlan:
    """Parsed, checked questions ready to save, or the problems that stop them."""

    questions: list[QuestionData] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)  # one per question
    errors: list[ParseIssue] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def count_questions(data: bytes, fmt: str) -> int:
    """About how many questions a file holds, without parsing it: cheap enough to refuse a
    file before spending a request on it. GIFT: blank-line-separated blocks holding more
    than comments and a $CATEGORY; Aiken: its ANSWER: lines."""
    if fmt == "aiken":
        return len(re.findall(rb"(?m)^[ \t]*ANSWER:", data))
    count = 0
    for block in re.split(rb"\n[ \t\r]*\n", data):
        lines = (line.strip() for line in block.splitlines())
        count += any(line and not line.startswith((b"//", b"$CATEGORY:")) for line in lines)
    return count


def parse(data: bytes, fmt: str):
    """Parse file bytes as GIFT or Aiken. Raises NotUTF8Error for a non-UTF-8 file."""
    if fmt == "aiken":
        return aiken.parse_aiken_bytes(data)
    return gift.parse_gift_bytes(data)


def plan_import(data: bytes, fmt: str, *, course: Course, topic: Topic | None = None) -> ImportPlan:
    """Parse and check a file against `course` without writing anything."""
    result = parse(data, fmt)
    plan = ImportPlan(errors=list(result.errors), warnings=list(result.warnings))
    first_line: dict[str, int] = {}  # ID number -> line of the question that uses it first
    topics = {t.slug: t for t in course.topics.all()}
    by_title = {slugify(t.title): t for t in topics.values()}
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.filter(topic__course=course)}
    for q in result.questions:
        target = topic
        if target is None and q.category:
            last = slugify(q.category.rstrip("/").split("/")[-1])
            target = topics.get(last) or by_title.get(last)
        if target is None:
            problem = (
                f"category “{q.category}” does not name a topic of {course}"
                if q.category
                else f"the question has no $CATEGORY naming a topic of {course}"
            )
            plan.errors.append(ParseIssue(q.line, f"{problem}; choose a topic"))
        for message in problems(q) + _lesson_problems(q, lessons):
            plan.errors.append(ParseIssue(q.line, f"“{q.title or q.text[:40]}”: {message}"))
        for message in _size_problems(q):
            plan.errors.append(ParseIssue(q.line, f"“{q.title or q.text[:40]}”: {message}"))
        if q.idnumber:
            if q.idnumber in first_line:
                plan.errors.append(
                    ParseIssue(
                        q.line,
                        f"ID number “{q.idnumber}” is also used by the question on line "
                        f"{first_line[q.idnumber]}",
                    )
                )
            else:
                first_line[q.idnumber] = q.line
        if not q.explanation.strip():
            plan.warnings.append(ParseIssue(q.line, f"“{q.title}” has no explanation (####)"))
        plan.questions.append(q)
        plan.topics.append(target)
    return plan


def _size_problems(q: QuestionData) -> list[str]:
    """Values too long for their column: reported here, not as a database error on save."""
    return [
        *_too_long("ID number", [q.idnumber], Question, "idnumber"),
        *_too_long("tag", q.tags, Tag, "name"),
        *_too_long("right-hand side", [a.match for a in q.answers], Answer, "match"),
        *_too_long("misconception", [a.misconception for a in q.answers], Answer, "misconception"),
    ]


def _too_long(what: str, values: list[str], model, name: str) -> list[str]:
    limit = model._meta.get_field(name).max_length
    return [
        f"the {what} “{value[:40]}…” is longer than {limit} characters"
        for value in values
        if len(value) > limit
    ]


def existing_idnumbers(plan: ImportPlan) -> set[str]:
    """The ID numbers in the plan that already belong to a question (saving updates those)."""
    wanted = {q.idnumber for q in plan.questions if q.idnumber}
    if not wanted:
        return set()
    return set(by_idnumber(wanted).values_list("idnumber", flat=True))


def _lesson_problems(q: QuestionData, lessons: Mapping[str, Lesson | set[str]]) -> list[str]:
    if not q.lesson:
        return []
    slug, _, anchor = q.lesson.partition("#")
    lesson = lessons.get(slug)
    if lesson is None:
        return [f"lesson “{slug}” does not exist"]
    anchors = lesson if isinstance(lesson, set) else lesson.anchors
    if anchor and anchor not in anchors:
        return [f"lesson “{slug}” has no section #{anchor}"]
    return []


# Questions per transaction. A learner's write may wait for a whole batch: measured at about
# 1 ms per question on a busy 2-core machine (mostly Django building the INSERTs), so 50.
SAVE_BATCH = 50
# Seconds the importer leaves the database alone after each batch, at the least: longer
# than SQLite's busy handler sleeps between two tries at the write lock (100 ms), so a
# learner's write that waited on a batch is sure to get the lock before the next batch.
SAVE_PAUSE = 0.15


def save_plan(
    plan: ImportPlan,
    *,
    course: Course,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = SAVE_BATCH,
    pause: float = SAVE_PAUSE,
) -> dict[str, int]:
    """Save a checked plan in short transactions of `batch_size` questions each.

    The file was parsed and checked completely before (`plan_import`), so nothing in it can
    fail the write. Each batch commits on its own, so learners' answers, starts and logins
    interleave with a long import: on SQLite the single write lock is held for one batch
    at a time, never for the whole file. A batch's rows are built before its transaction
    starts, and after each commit the importer waits as long as the batch held the lock
    (`pause` seconds at the least). Without that wait it would take the lock back at once:
    SQLite's waiting writers only retry now and then, so they would wait for the whole
    import and fail with "database is locked" after the busy timeout.

    New questions go in with a fixed number of queries per batch (bulk inserts); updates go
    one by one, to keep their answer rows. The price: a database failure part-way keeps the
    batches before it (importing the same file again completes it: questions with ID
    numbers are then updated, not duplicated). `progress(done, total)`, when given, is
    called after each batch.
    """
    if not plan.ok:
        raise ValueError("cannot save an import plan with errors")
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.filter(topic__course=course)}
    tags: dict[str, Tag] = {}
    pairs = list(zip(plan.questions, plan.topics, strict=True))
    created = updated = 0
    for start in range(0, len(pairs), batch_size):
        batch = [
            _NewQuestion.build(q, topic, lessons) for q, topic in pairs[start : start + batch_size]
        ]
        with transaction.atomic():
            locked = monotonic()
            batch_created, batch_updated = _save_batch(batch, lessons=lessons, tags=tags)
        held = monotonic() - locked
        created += batch_created
        updated += batch_updated
        if progress is not None:
            progress(created + updated, len(pairs))
        if start + batch_size < len(pairs):
            sleep(max(pause, held))
    # New questions go in with bulk queries, which send no signals: the course outline's
    # question counts are retired here.
    fragments.invalidate()
    return {"created": created, "updated": updated}


@dataclass
class _NewQuestion:
    """A question's rows, built before its batch's transaction so the lock is held only
    for the queries (used if its ID number is new)."""

    data: QuestionData
    topic: Topic
    question: Question
    answers: list[Answer]

    @classmethod
    def build(cls, q: QuestionData, topic: Topic, lessons) -> "_NewQuestion":
        answers = []
        for position, data in enumerate(q.answers, start=1):
            answer = Answer()
            _fill_answer(answer, data, position)
            answers.append(answer)
        question = _fill_question(Question(idnumber=q.idnumber), q, topic, lessons)
        return cls(q, topic, question, answers)


def by_idnumber(idnumbers: Iterable[str]):
    """The questions with these ID numbers. Excluding "" repeats the condition of the
    partial unique index on idnumber (`question_idnumber_unique`): SQLite and PostgreSQL
    use that index only when the query says so, and would otherwise scan every question
    (and sort by the default ordering) in each of an import's batches."""
    return Question.objects.filter(idnumber__in=idnumbers).exclude(idnumber="").order_by()


def _save_batch(batch: list[_NewQuestion], *, lessons, tags: dict[str, Tag]) -> tuple[int, int]:
    """Save one batch: returns (created, updated)."""
    wanted = [new.data.idnumber for new in batch if new.data.idnumber]
    existing = set(by_idnumber(wanted).values_list("idnumber", flat=True)) if wanted else set()
    fresh = [new for new in batch if new.data.idnumber not in existing]
    for new in batch:
        if new.data.idnumber in existing:
            save_question(new.data, topic=new.topic, lessons=lessons)
    if fresh:
        _create_questions(fresh, tags=tags)
    return len(fresh), len(batch) - len(fresh)


def _create_questions(batch: list[_NewQuestion], *, tags: dict[str, Tag]) -> None:
    """New questions with their answers and tags, in at most six queries."""
    Question.objects.bulk_create([new.question for new in batch])  # sets the primary keys
    answers = []
    for new in batch:
        for answer in new.answers:
            answer.question = new.question
            answers.append(answer)
    Answer.objects.bulk_create(answers)
    _known_tags({name for new in batch for name in new.data.tags}, tags)
    Through = Question.tags.through
    Through.objects.bulk_create(
        Through(question_id=new.question.pk, tag_id=tags[name].pk)
        for new in batch
        for name in dict.fromkeys(new.data.tags)
    )


def _known_tags(names: set[str], tags: dict[str, Tag]) -> None:
    """Add the Tag rows for `names` to the `tags` cache, creating the missing ones."""
    missing = names - tags.keys()
    if not missing:
        return
    tags.update((t.name, t) for t in Tag.objects.filter(name__in=missing))
    if new := missing - tags.keys():
        Tag.objects.bulk_create([Tag(name=name) for name in new], ignore_conflicts=True)
        tags.update((t.name, t) for t in Tag.objects.filter(name__in=new))


def _fill_question(question: Question, q: QuestionData, topic: Topic, lessons) -> Question:
    slug, _, anchor = q.lesson.partition("#")
    question.topic = topic
    question.kind = q.kind
    question.title = (q.title or q.text)[:255]
    question.text = q.text
    question.text_format = q.text_format
    question.explanation = q.explanation
    question.lesson = lessons.get(slug) if slug else None
    question.anchor = anchor if question.lesson else ""
    return question


def save_question(q: QuestionData, *, topic: Topic, lessons: Mapping[str, Lesson]):
    """Create or update (by ID number) one question with its answers and tags."""
    question = by_idnumber([q.idnumber]).first() if q.idnumber else None
    created = question is None
    question = _fill_question(question or Question(idnumber=q.idnumber), q, topic, lessons)
    question.save()
    existing = list(question.answers.order_by("order", "pk"))
    for position, data in enumerate(q.answers):
        answer = existing[position] if position < len(existing) else Answer(question=question)
        _fill_answer(answer, data, position + 1)
        answer.save()
    if len(existing) > len(q.answers):
        Answer.objects.filter(pk__in=[a.pk for a in existing[len(q.answers) :]]).delete()
    question.tags.set([Tag.objects.get_or_create(name=name)[0] for name in q.tags])
    return question, created


def _fill_answer(answer: Answer, data: AnswerData, order: int) -> None:
    answer.order = order
    for name in ANSWER_FIELDS:
        setattr(answer, name, getattr(data, name))
    if answer.tolerance is None:  # a numerical catch-all: any tolerance is moot
        answer.tolerance = 0.0


def question_data(question: Question) -> QuestionData:
    """The interchange form of a saved question (for export and for admin validation)."""
    lesson = f"{question.lesson.slug}#{question.anchor}" if question.lesson_id else ""
    if lesson.endswith("#"):
        lesson = lesson[:-1]
    return QuestionData(
        kind=question.kind,
        text=question.text,
        title=question.title,
        text_format=question.text_format,
        explanation=question.explanation,
        explanation_format=question.text_format,
        answers=[
            AnswerData(
                **{name: getattr(a, name) for name in ANSWER_FIELDS},
                text_format=question.text_format,
                feedback_format=question.text_format,
            )
            for a in question.answers.all()
        ],
        tags=[t.name for t in question.tags.all()],
        idnumber=question.idnumber,
        category=f"{question.topic.course.slug}/{question.topic.slug}",
        lesson=lesson,
    )


def question_states(course: Course) -> dict[str, dict]:
    """Each question of the course with an ID number, as the files would hold it, by key
    "question:<ID number>" (for `load_course`'s check of edits made in the admin)."""
    questions = (
        Question.objects.filter(topic__course=course)
        .exclude(idnumber="")
        .select_related("topic__course", "lesson")
        .prefetch_related("answers", "tags")
    )
    states = {}
    for question in questions:
        state = asdict(question_data(question))
        state.pop("line")
        states[f"question:{question.idnumber}"] = state
    return states


def export_questions(questions: Iterable[Question], fmt: str) -> str:
    questions = (
        Question.objects.filter(pk__in=[q.pk for q in questions])
        if not hasattr(questions, "prefetch_related")
        else questions
    )
    data = [
        question_data(q)
        for q in questions.select_related("topic__course", "lesson").prefetch_related(
            "answers", "tags"
        )
    ]
    return aiken.write_aiken(data) if fmt == "aiken" else gift.write_gift(data)


# --- The course loader's side -----------------------------------------------------------------


def read_question_files(reader, paths: list[Path], topic_slugs: set[str], lessons: dict):
    """Parse the course's GIFT files, reporting problems through the course reader."""
    questions: list[QuestionData] = []
    ids: dict[str, str] = {}
    for path in paths:
        text = reader.text(path)
        if text is None:
            continue
        result = gift.parse_gift(text)
        for issue in result.errors + result.warnings:
            reader.problem(path, issue.line, issue.message)
        for q in result.questions:
            topic = q.category.rstrip("/").split("/")[-1] if q.category else ""
            if topic not in topic_slugs:
                reader.problem(path, q.line, f"$CATEGORY “{q.category}” does not name a topic")
            if not q.idnumber:
                reader.problem(path, q.line, "every course question needs an [id:…] comment")
            elif q.idnumber in ids:
                reader.problem(path, q.line, f"ID “{q.idnumber}” is also used in {ids[q.idnumber]}")
            else:
                ids[q.idnumber] = reader.rel(path)
            if not q.explanation.strip():
                reader.problem(path, q.line, "every course question needs an explanation (####)")
            if not q.lesson:
                reader.problem(path, q.line, "every course question needs a [lesson:slug#anchor]")
            for message in problems(q) + _lesson_problems(q, lessons):
                reader.problem(path, q.line, message)
            questions.append(q)
    return questions


def save_questions(questions, *, course, topics, lessons) -> dict:
    created = updated = 0
    seen = []
    for q in questions:
        topic = topics[q.category.rstrip("/").split("/")[-1]]
        question, was_created = save_question(q, topic=topic, lessons=lessons)
        seen.append(question.pk)
        created += was_created
        updated += not was_created
    # A course folder is loaded on deploy and is small: render its questions now, so the
    # first learners after a deploy do not pay for it on their start (versions.py). The
    # admin's file import stays lazy: it may bring 50,000 questions that nobody uses yet.
    versions.refresh(Question(pk=pk) for pk in seen)
    stale = Question.objects.filter(topic__course=course).exclude(pk__in=seen)
    kept = [f"question “{q.idnumber or q.pk}” (not in the files; kept)" for q in stale]
    return {"questions": len(seen), "kept": kept}


QUIZ_DEFAULTS = {
    f.name: f.default
    for f in Quiz._meta.get_fields()
    if f.name
    in {
        "shuffle_questions",
        "shuffle_answers",
        "pass_mark",
        "attempts_allowed",
    }
}
QUIZ_OPTIONAL = ("draw_count",)  # time_limit is handled apart: minutes in the file
# Review options are lists of timing names in the file, e.g. review_right_answer = ["closed"].
REVIEW_TIMINGS = {"during": 1, "immediately": 2, "later": 4, "closed": 8}


def quiz_row_problems(row: dict) -> list[str]:
    """What is wrong with a quiz's settings in a course file, beyond the required keys."""
    found = []
    for name in REVIEW_ITEMS:
        value = row.get(name, [])
        if not isinstance(value, list) or not set(value) <= REVIEW_TIMINGS.keys():
            found.append(f"“{name}” must be a list of: {', '.join(REVIEW_TIMINGS)}")
    return found


def save_quizzes(rows: list[dict], *, course: Course, topics: dict[str, Topic]) -> int:
    for order, row in enumerate(rows, start=1):
        quiz = Quiz.objects.filter(course=course, slug=row["slug"]).first() or Quiz(
            course=course, slug=row["slug"]
        )
        quiz.title = row["title"]
        quiz.mode = row["mode"]
        quiz.order = order
        quiz.topic = topics.get(row.get("topic", ""))
        for name in QUIZ_OPTIONAL:
            setattr(quiz, name, row.get(name))
        for name, default in QUIZ_DEFAULTS.items():
            setattr(quiz, name, row.get(name, default))
        for name in REVIEW_ITEMS:
            timings = row.get(name)
            bits = REVIEW_ALWAYS if timings is None else sum({REVIEW_TIMINGS[t] for t in timings})
            setattr(quiz, name, bits)
        minutes = row.get("time_limit")
        quiz.time_limit = timedelta(minutes=minutes) if minutes else None
        quiz.save()
        quiz.draw_topics.set([topics[slug] for slug in row.get("draw_topics", [])])
        QuizQuestion.objects.filter(quiz=quiz).delete()
        by_id = Question.objects.in_bulk(row.get("questions", []), field_name="idnumber")
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=by_id[idn], order=i)
            for i, idn in enumerate(row.get("questions", []))
            if idn in by_id
        )
    return len(rows)


def quiz_rows(course: Course) -> list[dict]:
    rows = []
    standard = course.quizzes.filter(purpose=Quiz.Purpose.STANDARD)
    for quiz in standard.select_related("topic").prefetch_related("draw_topics"):
        row = {"slug": quiz.slug, "title": quiz.title, "mode": quiz.mode}
        if quiz.topic_id:
            row["topic"] = quiz.topic.slug
        for name in QUIZ_OPTIONAL:
            if getattr(quiz, name) is not None:
                row[name] = getattr(quiz, name)
        if quiz.time_limit is not None:
            row["time_limit"] = quiz.time_limit_minutes
        for name, default in QUIZ_DEFAULTS.items():
            if getattr(quiz, name) != default:
                row[name] = getattr(quiz, name)
        for name in REVIEW_ITEMS:
            bits = getattr(quiz, name)
            if bits != REVIEW_ALWAYS:
                row[name] = [t for t, bit in REVIEW_TIMINGS.items() if bits & bit]
        draw = [t.slug for t in quiz.draw_topics.all()]
        if draw:
            row["draw_topics"] = draw
        fixed = list(
            QuizQuestion.objects.filter(quiz=quiz).values_list("question__idnumber", flat=True)
        )
        if fixed:
            row["questions"] = fixed
        rows.append(row)
    return rows


def export_question_files(course: Course, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.gift"):
        old.unlink()
    written = []
    for topic in course.topics.all():
        questions = topic.questions.all()
        if not questions.exists():
            continue
        path = folder / f"{topic.order:02d}-{topic.slug}.gift"
        path.write_text(export_questions(questions, "gift"), encoding="utf-8")
        written.append(path)
    return written
