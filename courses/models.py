from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from courses import markdown

# Course-level pages live beside topic slugs in the URL space, so topics may not use them.
RESERVED_TOPIC_SLUGS = frozenset({"glossary", "faq", "search", "quizzes", "progress"})


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:course", args=[self.slug])


class Source(models.Model):
    """A published article the course is written from; cited by publisher and title."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sources")
    key = models.SlugField(help_text="Short name lessons use to cite this source.")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    published = models.CharField(
        max_length=60, blank=True, help_text='Date as known, e.g. "2026-05-26" or "2026".'
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["publisher", "title"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="source_key_unique_per_course")
        ]

    def __str__(self):
        return f"{self.publisher}, “{self.title}”"


class Topic(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="topic_slug_unique_per_course")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:topic", args=[self.course.slug, self.slug])

    def clean(self):
        if self.slug in RESERVED_TOPIC_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is reserved for a course page."})


class KeyPoint(models.Model):
    """One of the 3–7 facts to remember about a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="key_points")
    order = models.PositiveIntegerField(default=0)
    text = models.TextField()

    class Meta:
        ordering = ["topic", "order", "pk"]

    def __str__(self):
        return self.text[:80]

    @property
    def html(self):
        return mark_safe(markdown.render_inline(self.text))  # html=False: no raw HTML in output


class Lesson(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)
    body = models.TextField(help_text="Markdown. Raw HTML is shown as text.")
    sources = models.ManyToManyField(Source, related_name="lessons", blank=True)
    # Derived from `body` on save (see render_body); never edited by hand.
    body_html = models.TextField(editable=False, default="")
    headings = models.JSONField(editable=False, default=list)
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=1)

    class Meta:
        ordering = ["topic__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "slug"], name="lesson_slug_unique_per_topic")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.render_body()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html",
                "headings",
                "reading_minutes",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("courses:lesson", args=[self.topic.course.slug, self.topic.slug, self.slug])

    def render_body(self) -> None:
        rendered = markdown.render(self.body, top_level=2)
        self.body_html = rendered.html
        self.headings = [
            {"level": h.level, "text": h.text, "anchor": h.anchor} for h in rendered.headings
        ]
        self.reading_minutes = rendered.reading_minutes

    @property
    def anchors(self) -> set[str]:
        return {h["anchor"] for h in self.headings}

    @property
    def sections(self) -> list[dict]:
        """Headings used for the in-page contents list (the lesson's own sections)."""
        return [h for h in self.headings if h["level"] == 2]

    def section_url(self, anchor: str) -> str:
        return f"{self.get_absolute_url()}#{anchor}" if anchor else self.get_absolute_url()


class GlossaryTerm(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="glossary")
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="terms"
    )
    term = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    abbreviation = models.CharField(
        max_length=120, blank=True, help_text="The abbreviation or the full form, e.g. “KPO”."
    )
    definition = models.CharField(max_length=400, help_text="One line.")
    related = models.ManyToManyField("self", blank=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="term_slug_unique_per_course")
        ]

    def __str__(self):
        return f"{self.term} ({self.abbreviation})" if self.abbreviation else self.term

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.term)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{reverse('courses:glossary', args=[self.course.slug])}#{self.slug}"

    @property
    def initial(self) -> str:
        first = self.term[:1].upper()
        return first if first.isalpha() else "#"


class FAQEntry(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="faqs")
    slug = models.SlugField(max_length=140)
    order = models.PositiveIntegerField(default=0)
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text="Markdown.")

    class Meta:
        ordering = ["topic__order", "order", "pk"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        constraints = [
            models.UniqueConstraint(fields=["topic", "slug"], name="faq_slug_unique_per_topic")
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.question)[:140]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{reverse('courses:faq', args=[self.topic.course.slug])}#{self.slug}"

    @property
    def answer_html(self):
        return mark_safe(markdown.render_html(self.answer))


class LoadStamp(models.Model):
    """A fingerprint of one row as `load_course` last left it ("lesson:<slug>", "question:<id>").

    A row whose fingerprint differs now was edited in the admin since that load; the next
    load refuses to overwrite it unless forced (see courses.loader.save_course).
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="load_stamps")
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="load_stamp_once_per_row")
        ]

    def __str__(self):
        return f"{self.course.slug} {self.key}"
