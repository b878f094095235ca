"""Plain substring search over lessons, glossary and FAQ.

At this size (a few dozen documents) a LIKE query per kind is fast and predictable; each hit
carries a snippet around the match and, for lessons, the section it sits in.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.models import Course, FAQEntry, GlossaryTerm, Lesson

MAX_QUERY = 100
SNIPPET = 80


@dataclass(frozen=True)
class Hit:
    kind: str  # "Lesson", "Glossary", "FAQ"
    title: str
    url: str
    snippet: SafeString
    where: str  # e.g. the lesson section or topic


def _plain(markdown_text: str) -> str:
    text = re.sub(r"^\s*\|?[-:| ]+\|?\s*$", " ", markdown_text, flags=re.M)  # table rules
    text = re.sub(r"[#*_`>|]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def snippet(text: str, query: str) -> SafeString:
    """Up to ~160 characters around the first match, the match wrapped in <mark>."""
    plain = _plain(text)
    found = plain.lower().find(query.lower())
    if found < 0:
        return mark_safe(escape(plain[: SNIPPET * 2]) + ("…" if len(plain) > SNIPPET * 2 else ""))
    start, end = max(0, found - SNIPPET), found + len(query)
    before, match, after = plain[start:found], plain[found:end], plain[end : end + SNIPPET]
    return mark_safe(
        ("…" if start else "")
        + escape(before)
        + "<mark>"
        + escape(match)
        + "</mark>"
        + escape(after)
        + ("…" if end + SNIPPET < len(plain) else "")
    )


def _lesson_section(lesson: Lesson, query: str) -> tuple[str, str]:
    """The (heading, anchor) of the section holding the first match, or ("", "")."""
    found = lesson.body.lower().find(query.lower())
    if found < 0:
        return "", ""
    line_end = lesson.body.find("\n", found)
    before = lesson.body[: line_end if line_end >= 0 else len(lesson.body)]  # a heading hit counts
    headings = re.findall(r"^#{2,3}\s+(.+?)\s*#*\s*$", before, flags=re.M)
    if not headings:
        return "", ""
    text = headings[-1]
    for h in lesson.headings:
        if h["text"] == text:
            return h["text"], h["anchor"]
    return text, ""


def search(course: Course, query: str) -> list[Hit]:
    query = query.strip()[:MAX_QUERY]
    if len(query) < 2:
        return []
    hits: list[Hit] = []
    lessons = (
        Lesson.objects.filter(topic__course=course)
        .filter(Q(title__icontains=query) | Q(body__icontains=query) | Q(summary__icontains=query))
        .select_related("topic__course")
        .defer("body_html")
    )
    for lesson in lessons:
        heading, anchor = _lesson_section(lesson, query)
        in_title = query.lower() in lesson.title.lower()
        hits.append(
            Hit(
                "Lesson",
                lesson.title,
                lesson.section_url("" if in_title else anchor),
                snippet(lesson.body if not in_title else lesson.summary or lesson.body, query),
                f"{lesson.topic.title}" + (f" › {heading}" if heading and not in_title else ""),
            )
        )
    terms = GlossaryTerm.objects.filter(course=course).filter(
        Q(term__icontains=query) | Q(abbreviation__icontains=query) | Q(definition__icontains=query)
    )
    for term in terms.select_related("course"):
        hits.append(
            Hit(
                "Glossary",
                str(term),
                term.get_absolute_url(),
                snippet(term.definition, query),
                "Glossary",
            )
        )
    faqs = FAQEntry.objects.filter(topic__course=course).filter(
        Q(question__icontains=query) | Q(answer__icontains=query)
    )
    for entry in faqs.select_related("topic__course"):
        in_question = query.lower() in entry.question.lower()
        hits.append(
            Hit(
                "FAQ",
                entry.question,
                entry.get_absolute_url(),
                snippet(entry.question if in_question else entry.answer, query),
                f"FAQ › {entry.topic.title}",
            )
        )
    return hits
