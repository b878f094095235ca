"""Load a course from its files in fixtures/<slug>/, and export it back.

Loading is two phases. `read_course` parses and validates every file into plain data and
collects every problem as "file:line: message"; nothing touches the database. Only when
there are no problems does `save_course` write, inside one transaction, updating rows in
place by their natural keys (slugs, source keys, question ID numbers). It never touches
learner data: attempts, responses and review cards are left alone, and questions or
topics that disappeared from the files are kept (and reported) rather than deleted.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from courses import fragments, markdown, tomlfile
from courses.models import (
    RESERVED_TOPIC_SLUGS,
    Course,
    FAQEntry,
    GlossaryTerm,
    KeyPoint,
    Lesson,
    LoadStamp,
    Source,
    Topic,
)

FRONT_MATTER = "+++"
RESERVED_LESSON_SLUGS = frozenset({"revision"})


@dataclass
class Problem:
    file: str
    line: int
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.message}"


class CourseFileError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LessonFile:
    path: str
    topic: str
    slug: str
    title: str
    order: int
    summary: str
    sources: list[str]
    body: str
    anchors: set[str] = field(default_factory=set)


@dataclass
class CourseFiles:
    root: Path
    course: dict[str, Any]
    sources: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    lessons: list[LessonFile]
    terms: list[dict[str, Any]]
    faqs: list[dict[str, Any]]
    quizzes: list[dict[str, Any]]
    questions: list  # quizzes.formats.interchange.QuestionData, with .file set

    @property
    def slug(self) -> str:
        return self.course["slug"]


# --- Reading --------------------------------------------------------------------------------


class _Reader:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def problem(self, path: Path | str, line: int, message: str) -> None:
        name = path if isinstance(path, str) else self.rel(path)
        self.problems.append(Problem(name, line, message))

    def text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            self.problem(path, line, "file is not UTF-8")
        except OSError as exc:
            self.problem(path, 1, f"cannot read file: {exc.strerror}")
        return None

    def toml(self, path: Path, text: str, offset: int = 0) -> dict | None:
        try:
            return tomlfile.loads(text)
        except tomlfile.TomlError as exc:
            self.problem(path, exc.line + offset, exc.message)
            return None

    def require(self, path, text, data, keys, table=None, index=0, types=None) -> bool:
        ok = True
        for key in keys:
            expected = (types or {}).get(key, str)
            if key not in data:
                where = tomlfile.locate(text, table, index)
                self.problem(path, where, f"missing required key “{key}”")
                ok = False
            elif not isinstance(data[key], expected) or data[key] == "":
                where = tomlfile.locate(text, table, index, key)
                kind = {str: "a non-empty string", int: "an integer", list: "a list"}[expected]
                self.problem(path, where, f"“{key}” must be {kind}")
                ok = False
        return ok


def read_course(root: Path | str) -> CourseFiles:
    """Parse and validate a course folder; raise CourseFileError listing every problem."""
    from quizzes import importing

    root = Path(root)
    r = _Reader(root)
    course_path = root / "course.toml"
    if not course_path.exists():
        raise CourseFileError([Problem(r.rel(course_path), 1, "course.toml not found")])
    text = r.text(course_path) or ""
    data = r.toml(course_path, text) or {}
    course: dict[str, Any] = {}
    sources: list[dict] = []
    topics: list[dict] = []
    quizzes: list[dict] = []
    if data:
        if r.require(course_path, text, data, ["slug", "title"]):
            course = {
                "slug": data["slug"],
                "title": data["title"],
                "summary": data.get("summary", ""),
            }
            if slugify(course["slug"]) != course["slug"]:
                r.problem(course_path, tomlfile.locate(text, key="slug"), "slug must be a slug")
        for i, src in enumerate(data.get("sources", [])):
            if r.require(course_path, text, src, ["key", "title", "publisher"], "sources", i):
                sources.append(src)
        for i, topic in enumerate(data.get("topics", [])):
            types = {"key_points": list}
            if not r.require(course_path, text, topic, ["slug", "title"], "topics", i, types):
                continue
            line = tomlfile.locate(text, "topics", i, "slug")
            if topic["slug"] in RESERVED_TOPIC_SLUGS:
                r.problem(course_path, line, f"topic slug “{topic['slug']}” is reserved")
            if any(t["slug"] == topic["slug"] for t in topics):
                r.problem(course_path, line, f"duplicate topic slug “{topic['slug']}”")
            points = topic.get("key_points", [])
            if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
                r.problem(
                    course_path,
                    tomlfile.locate(text, "topics", i, "key_points"),
                    "key_points must be a list of strings",
                )
                points = []
            topics.append({**topic, "key_points": points, "order": i + 1})
        _check_unique(r, course_path, text, sources, "sources", "key")
        for i, quiz in enumerate(data.get("quizzes", [])):
            if r.require(course_path, text, quiz, ["slug", "title", "mode"], "quizzes", i):
                quiz = {**quiz, "_line": tomlfile.locate(text, "quizzes", i)}
                quizzes.append(quiz)

    topic_slugs = {t["slug"] for t in topics}
    source_keys = {s["key"] for s in sources}
    lessons = _read_lessons(r, root, topic_slugs, source_keys)
    terms = _read_terms(r, root, topic_slugs)
    faqs = _read_faqs(r, root, topic_slugs)
    lesson_anchors = {lesson.slug: lesson.anchors for lesson in lessons}
    questions = importing.read_question_files(
        r, sorted((root / "questions").glob("*.gift")), topic_slugs, lesson_anchors
    )
    for quiz in quizzes:
        if quiz.get("topic") and quiz["topic"] not in topic_slugs:
            r.problem(course_path, quiz["_line"], f"quiz topic “{quiz['topic']}” does not exist")
        if quiz["mode"] not in ("practice", "exam"):
            r.problem(course_path, quiz["_line"], "quiz mode must be “practice” or “exam”")
        if not quiz.get("questions") and not quiz.get("draw_count"):
            r.problem(
                course_path,
                quiz["_line"],
                f"quiz “{quiz['slug']}” needs “questions” or “draw_count”: it would serve nothing",
            )
        for problem in importing.quiz_row_problems(quiz):
            r.problem(course_path, quiz["_line"], problem)
    if r.problems:
        raise CourseFileError(r.problems)
    return CourseFiles(root, course, sources, topics, lessons, terms, faqs, quizzes, questions)


def _check_unique(r, path, text, rows, table, key):
    seen = set()
    for i, row in enumerate(rows):
        if row[key] in seen:
            r.problem(path, tomlfile.locate(text, table, i, key), f"duplicate {key} “{row[key]}”")
        seen.add(row[key])


def _read_lessons(r: _Reader, root: Path, topics: set[str], sources: set[str]) -> list[LessonFile]:
    lessons: list[LessonFile] = []
    for path in sorted((root / "lessons").glob("*.md")):
        text = r.text(path)
        if text is None:
            continue
        lines = text.split("\n")
        if not lines or lines[0].strip() != FRONT_MATTER:
            r.problem(path, 1, "a lesson must start with TOML front matter between +++ lines")
            continue
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER)
        except StopIteration:
            r.problem(path, 1, "front matter is not closed by a +++ line")
            continue
        front_text = "\n".join(lines[1:end])
        front = r.toml(path, front_text, offset=1)
        if front is None:
            continue
        keys = ["topic", "slug", "title", "order", "sources"]
        types = {"order": int, "sources": list}
        if not r.require(path, front_text, front, keys, types=types):
            continue

        def at(key, front_text=front_text):
            return tomlfile.locate(front_text, key=key) + 1

        if front["topic"] not in topics:
            r.problem(path, at("topic"), f"topic “{front['topic']}” is not in course.toml")
        if front["slug"] in RESERVED_LESSON_SLUGS or slugify(front["slug"]) != front["slug"]:
            r.problem(path, at("slug"), f"“{front['slug']}” cannot be used as a lesson slug")
        if not front["sources"]:
            r.problem(path, at("sources"), "cite at least one source")
        for key in front["sources"]:
            if key not in sources:
                r.problem(path, at("sources"), f"source “{key}” is not in course.toml")
        if any(other.slug == front["slug"] for other in lessons):
            r.problem(path, at("slug"), f"lesson slug “{front['slug']}” is used twice")
        body = "\n".join(lines[end + 1 :])
        rendered = markdown.render(body, top_level=2)
        lessons.append(
            LessonFile(
                path=r.rel(path),
                topic=front["topic"],
                slug=front["slug"],
                title=front["title"],
                order=front["order"],
                summary=front.get("summary", ""),
                sources=front["sources"],
                body=body,
                anchors={h.anchor for h in rendered.headings},
            )
        )
    return lessons


def _read_terms(r: _Reader, root: Path, topics: set[str]) -> list[dict]:
    path = root / "glossary.toml"
    if not path.exists():
        return []
    text = r.text(path) or ""
    data = r.toml(path, text) or {}
    terms = []
    for i, term in enumerate(data.get("terms", [])):
        if not r.require(path, text, term, ["term", "definition"], "terms", i):
            continue
        if term.get("topic") and term["topic"] not in topics:
            line = tomlfile.locate(text, "terms", i, "topic")
            r.problem(path, line, f"topic “{term['topic']}” is not in course.toml")
        if "\n" in term["definition"]:
            line = tomlfile.locate(text, "terms", i, "definition")
            r.problem(path, line, "a definition is one line")
        terms.append({**term, "_line": tomlfile.locate(text, "terms", i)})
    names = [t["term"] for t in terms]
    for term in terms:
        if names.count(term["term"]) > 1:
            r.problem(path, term["_line"], f"term “{term['term']}” is defined twice")
        for other in term.get("related", []):
            if other not in names:
                line = tomlfile.locate(text, "terms", terms.index(term), "related")
                r.problem(path, line, f"related term “{other}” is not in the glossary")
    return terms


def _read_faqs(r: _Reader, root: Path, topics: set[str]) -> list[dict]:
    path = root / "faq.toml"
    if not path.exists():
        return []
    text = r.text(path) or ""
    data = r.toml(path, text) or {}
    entries = []
    for i, entry in enumerate(data.get("entries", [])):
        if not r.require(path, text, entry, ["topic", "question", "answer"], "entries", i):
            continue
        if entry["topic"] not in topics:
            line = tomlfile.locate(text, "entries", i, "topic")
            r.problem(path, line, f"topic “{entry['topic']}” is not in course.toml")
        entries.append(entry)
    return entries


# --- Saving ---------------------------------------------------------------------------------


@dataclass
class LoadReport:
    course: Course
    counts: dict[str, int]
    kept: list[str]
    overwritten: list[str] = field(default_factory=list)  # admin edits undone (--force)

    def summary(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"Loaded “{self.course.title}”: {parts}."


def _upsert(model, lookup: dict, values: dict):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup)
    for key, val in values.items():
        setattr(obj, key, val)
    obj.save()
    return obj


class AdminEditsError(Exception):
    """The load would overwrite rows edited in the admin since the last load."""

    def __init__(self, differences: dict[str, list[str]]):
        super().__init__(f"{len(differences)} rows were edited in the admin since the last load")
        self.differences = differences  # row key: one line per field that differs

    def summary(self) -> list[str]:
        return [f"{key}: {line}" for key, lines in self.differences.items() for line in lines]


def _digest(state: dict) -> str:
    encoded = json.dumps(state, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def _row_states(course: Course | None) -> dict[str, dict]:
    """The rows the files own (lessons, questions with an ID number), as comparable data."""
    from quizzes import importing

    if course is None or course.pk is None:
        return {}
    lessons = Lesson.objects.filter(topic__course=course).select_related("topic")
    states = {
        f"lesson:{lesson.slug}": {
            "topic": lesson.topic.slug,
            "title": lesson.title,
            "order": lesson.order,
            "summary": lesson.summary,
            "body": lesson.body,
            "sources": sorted(lesson.sources.values_list("key", flat=True)),
        }
        for lesson in lessons
    }
    return states | importing.question_states(course)


def _short(value: Any) -> str:
    text = " ".join(str(value).split())
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _differences(before: dict, after: dict | None) -> list[str]:
    if after is None:
        return ["would be removed"]
    return [
        f"{name}: admin {_short(before.get(name))} → files {_short(after.get(name))}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


@transaction.atomic
def save_course(files: CourseFiles, *, force: bool = False) -> LoadReport:
    """Write the files to the database, refusing to undo edits made in the admin.

    A row (lesson, question) whose fingerprint changed since the last load was edited in
    the admin; if this load would change it again, nothing is saved and AdminEditsError
    lists the differences, unless `force`. `export_course` writes such edits back to the
    files, after which a load keeps them. Every row's fingerprint is then stored anew.
    """
    course = Course.objects.filter(slug=files.slug).first()
    before = _row_states(course)
    stamps = dict(LoadStamp.objects.filter(course=course).values_list("key", "digest"))
    edited = [key for key, digest in stamps.items() if key in before]
    edited = [key for key in edited if _digest(before[key]) != stamps[key]]
    report = _write_course(files)
    after = _row_states(report.course)
    differences = {
        key: _differences(before[key], after.get(key))
        for key in edited
        if after.get(key) != before[key]
    }
    if differences and not force:
        raise AdminEditsError(differences)  # rolls the whole load back
    report.overwritten = sorted(differences)
    LoadStamp.objects.filter(course=report.course).delete()
    LoadStamp.objects.bulk_create(
        LoadStamp(course=report.course, key=key, digest=_digest(state))
        for key, state in after.items()
    )
    return report


def _write_course(files: CourseFiles) -> LoadReport:
    from quizzes import importing

    course = _upsert(
        Course, {"slug": files.slug}, {k: v for k, v in files.course.items() if k != "slug"}
    )
    sources = {}
    for src in files.sources:
        values = {k: src.get(k, "") for k in ("title", "publisher", "published", "note")}
        sources[src["key"]] = _upsert(Source, {"course": course, "key": src["key"]}, values)
    Source.objects.filter(course=course).exclude(key__in=sources).delete()

    topics = {}
    for t in files.topics:
        values = {"title": t["title"], "summary": t.get("summary", ""), "order": t["order"]}
        topic = _upsert(Topic, {"course": course, "slug": t["slug"]}, values)
        topics[t["slug"]] = topic
        KeyPoint.objects.filter(topic=topic).delete()
        KeyPoint.objects.bulk_create(
            KeyPoint(topic=topic, order=i + 1, text=text) for i, text in enumerate(t["key_points"])
        )
    kept = [
        f"topic “{t.slug}” (not in the files; delete it in the admin if intended)"
        for t in Topic.objects.filter(course=course).exclude(slug__in=topics)
    ]

    lessons = {}
    for lf in files.lessons:
        lesson = Lesson.objects.filter(topic__course=course, slug=lf.slug).first() or Lesson()
        lesson.topic = topics[lf.topic]
        lesson.slug, lesson.title, lesson.order = lf.slug, lf.title, lf.order
        lesson.summary, lesson.body = lf.summary, lf.body
        lesson.save()
        lesson.sources.set([sources[key] for key in lf.sources])
        lessons[lf.slug] = lesson
    Lesson.objects.filter(topic__course=course).exclude(
        pk__in=[x.pk for x in lessons.values()]
    ).delete()

    terms = {}
    for t in files.terms:
        values = {
            "term": t["term"],
            "abbreviation": t.get("abbreviation", ""),
            "definition": t["definition"],
            "topic": topics.get(t.get("topic", "")),
        }
        terms[t["term"]] = _upsert(
            GlossaryTerm, {"course": course, "slug": slugify(t["term"])}, values
        )
    GlossaryTerm.objects.filter(course=course).exclude(
        pk__in=[x.pk for x in terms.values()]
    ).delete()
    for t in files.terms:
        terms[t["term"]].related.set([terms[name] for name in t.get("related", [])])

    faq_ids = []
    for i, e in enumerate(files.faqs):
        topic = topics[e["topic"]]
        slug = e.get("slug") or slugify(e["question"])[:140]
        values = {"question": e["question"], "answer": e["answer"], "order": i + 1, "topic": topic}
        faq = FAQEntry.objects.filter(topic__course=course, slug=slug).first() or FAQEntry(
            slug=slug
        )
        for key, val in values.items():
            setattr(faq, key, val)
        faq.save()
        faq_ids.append(faq.pk)
    FAQEntry.objects.filter(topic__course=course).exclude(pk__in=faq_ids).delete()

    question_counts = importing.save_questions(
        files.questions, course=course, topics=topics, lessons=lessons
    )
    kept += question_counts.pop("kept", [])
    quiz_count = importing.save_quizzes(files.quizzes, course=course, topics=topics)
    counts = {
        "topics": len(topics),
        "lessons": len(lessons),
        "glossary terms": len(terms),
        "FAQ entries": len(faq_ids),
        "sources": len(sources),
        **question_counts,
        "quizzes": quiz_count,
    }
    # Some rows change through bulk queries that send no signals: retire every fragment.
    fragments.invalidate()
    return LoadReport(course, counts, kept)


def load_course(root: Path | str, *, force: bool = False) -> LoadReport:
    return save_course(read_course(root), force=force)


# --- Exporting ------------------------------------------------------------------------------


def lesson_filename(number: int, slug: str) -> str:
    return f"{number:02d}-{slug}.md"


def export_course(course: Course, root: Path | str) -> list[Path]:
    """Write the course to `root` in the format read_course reads; return the files written."""
    from quizzes import importing

    root = Path(root)
    (root / "lessons").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        written.append(path)

    topics = list(course.topics.prefetch_related("key_points"))
    top = {"slug": course.slug, "title": course.title, "summary": course.summary}
    arrays = {
        "sources": [
            {
                "key": s.key,
                "title": s.title,
                "publisher": s.publisher,
                "published": s.published,
                "note": s.note,
            }
            for s in course.sources.order_by("pk")
        ],
        "topics": [
            {
                "slug": t.slug,
                "title": t.title,
                "summary": t.summary,
                "key_points": [p.text for p in t.key_points.all()],
            }
            for t in topics
        ],
        "quizzes": importing.quiz_rows(course),
    }
    write(root / "course.toml", tomlfile.dumps(top, arrays))

    for old in (root / "lessons").glob("*.md"):
        old.unlink()
    lessons = (
        Lesson.objects.filter(topic__course=course)
        .select_related("topic")
        .prefetch_related("sources")
    )
    for number, lesson in enumerate(lessons, start=1):
        front = tomlfile.dumps_table(
            {
                "topic": lesson.topic.slug,
                "slug": lesson.slug,
                "title": lesson.title,
                "order": lesson.order,
                "summary": lesson.summary,
                "sources": [s.key for s in lesson.sources.order_by("pk")],
            }
        )
        write(
            root / "lessons" / lesson_filename(number, lesson.slug),
            f"+++\n{front}+++\n{lesson.body}",
        )

    terms = (
        GlossaryTerm.objects.filter(course=course)
        .select_related("topic")
        .prefetch_related("related")
    )
    rows = [
        {
            "term": t.term,
            "abbreviation": t.abbreviation,
            "definition": t.definition,
            "topic": t.topic.slug if t.topic else "",
            "related": sorted((o.term for o in t.related.all()), key=str.casefold) or None,
        }
        for t in sorted(terms, key=lambda t: t.term.casefold())
    ]
    write(root / "glossary.toml", tomlfile.dumps({}, {"terms": rows}))

    faqs = FAQEntry.objects.filter(topic__course=course).select_related("topic")
    rows = [
        {
            "topic": e.topic.slug,
            "slug": e.slug if e.slug != slugify(e.question)[:140] else None,
            "question": e.question,
            "answer": e.answer,
        }
        for e in faqs
    ]
    write(root / "faq.toml", tomlfile.dumps({}, {"entries": rows}))
    written += importing.export_question_files(course, root / "questions")
    return written
