import hashlib
import json
import random
import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from courses import markdown
from courses.models import Course, Lesson, Topic
from quizzes import grading, kinds
from quizzes.formats import interchange
from quizzes.formats.interchange import ANSWER_FIELDS

GUEST_SESSION_KEY = "learner_id"


class LearnerQuerySet(models.QuerySet):
    def for_request(self, request, *, create: bool = False) -> "Learner | None":
        """The learner behind a request: the user's own, or the guest kept in the session."""
        if request.user.is_authenticated:
            if create:
                return self.get_or_create(user=request.user)[0]
            return self.filter(user=request.user).first()
        learner_id = request.session.get(GUEST_SESSION_KEY)
        if learner_id is not None:
            learner = self.filter(pk=learner_id, user__isnull=True).first()
            if learner is not None:
                return learner
        if not create:
            return None
        learner = self.create()
        request.session[GUEST_SESSION_KEY] = learner.pk
        return learner


class Learner(models.Model):
    """Whoever answers questions: a signed-in user, or a guest known by their session.

    Every attempt, response and review card hangs off a learner, so moving a guest's work
    into an account on sign-up is one UPDATE per table (see `attempts.merge_learners`).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learner",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = LearnerQuerySet.as_manager()

    def __str__(self):
        if not self.user_id:
            return f"Guest #{self.pk}"
        name = self.user.get_full_name().strip()
        return f"{name} ({self.user.get_username()})" if name else self.user.get_username()

    def sealed_questions(self) -> dict[int, str]:
        """Questions in this learner's running exams, each with that exam's title.

        Exam integrity rests on this one rule: while an exam is running, nothing shows the
        learner the right answer to any of its questions, nor whether an answer of theirs
        to one was right. Practice attempts started now leave these questions out
        (`attempts.start_attempt`); a practice attempt started earlier still takes an
        answer to one, but keeps its result to itself until the exam is over; and reviews,
        history, quiz pages and the dashboard's score line hide those questions' verdicts
        and the scores that include them (see `sealing_exam` and `hints_at_exam`, the same
        rule as subqueries, so pages pay no extra query). Withholding alone would not do
        (older practice attempts and reviews hold the same questions), and hiding alone
        would let a learner keep practising a question to find its answer by elimination.
        """
        rows = Slot.objects.filter(attempt__in=Attempt.objects.running_exams(self.pk))
        return dict(rows.values_list("question_id", "attempt__quiz__title"))


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Question(models.Model):
    # One member per kind in quizzes.kinds, which holds each kind's behaviour.
    Kind = models.TextChoices("Kind", kinds.choices())

    class Format(models.TextChoices):
        MARKDOWN = interchange.MARKDOWN, "Markdown"
        PLAIN = interchange.PLAIN, "Plain text"
        MOODLE = interchange.MOODLE, "Moodle auto-format"
        HTML = interchange.HTML, "HTML (tags are removed when shown)"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    idnumber = models.CharField(
        "ID number",
        max_length=100,
        blank=True,
        help_text="Stable identifier (GIFT [id:…]); re-importing a file updates this question.",
    )
    title = models.CharField(max_length=255)
    text = models.TextField()
    text_format = models.CharField(max_length=10, choices=Format.choices, default=Format.MARKDOWN)
    explanation = models.TextField(help_text="Shown after answering: why the answer is right.")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    anchor = models.CharField(
        max_length=120, blank=True, help_text="Section of the lesson that teaches this."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    retired = models.BooleanField(
        default=False,
        help_text="Retired questions are left out of new attempts; past answers keep them.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["idnumber"], condition=~Q(idnumber=""), name="question_idnumber_unique"
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.pk and self._kind_changed() and Response.objects.filter(question=self).exists():
            raise ValidationError(
                {
                    "kind": "Learners have answered this question, so its kind can't change. "
                    "Duplicate it and change the copy's kind instead."
                }
            )
        if self.anchor and not self.lesson_id:
            raise ValidationError({"anchor": "Choose the lesson this section belongs to."})
        if self.lesson_id and self.anchor and self.anchor not in self.lesson.anchors:
            raise ValidationError(
                {
                    "anchor": f"The lesson has no section #{self.anchor}. "
                    f"Its sections are: {', '.join(sorted(self.lesson.anchors)) or 'none'}."
                }
            )

    def _kind_changed(self) -> bool:
        saved = Question.objects.filter(pk=self.pk).values_list("kind", flat=True).first()
        return saved is not None and saved != self.kind

    @transaction.atomic
    def duplicate(self) -> "Question":
        """A new question with this one's text, answer rows and tags; no ID number, not retired."""
        copy = Question.objects.get(pk=self.pk)
        copy.pk = None
        copy._state.adding = True
        copy.idnumber = ""
        copy.retired = False
        copy.title = f"{self.title} (copy)"[: Question._meta.get_field("title").max_length]
        copy.save()
        answers = list(self.answers.all())
        for answer in answers:
            answer.pk = None
            answer.question = copy
        Answer.objects.bulk_create(answers)
        copy.tags.set(self.tags.all())
        return copy

    @property
    def lesson_url(self) -> str:
        return self.lesson.section_url(self.anchor) if self.lesson_id else ""

    def gradable(self) -> grading.Gradable:
        return grading.Gradable(self.kind, tuple(a.option() for a in self.answers.all()))

    def snapshot(self, rng: random.Random | None = None) -> dict:
        """Freeze this question as a learner will see and be graded on it.

        The snapshot is stored on the attempt slot, so later edits never change a recorded
        score or what review shows. With `rng`, options are shuffled (never left in the
        order they were written, which would often put the right answer first).
        Attempts take theirs from the question's current `QuestionVersion` instead, which
        renders the Markdown once per edit (see `quizzes.versions`).
        """
        return shuffle_snapshot(self.render(), rng)

    def render(self) -> dict:
        """This question with its Markdown rendered, options in the order written."""
        answers = list(self.answers.all())
        fmt = self.text_format
        options = [
            {
                "id": a.pk,
                **{f: getattr(a, f) for f in ANSWER_FIELDS},
                "html": markdown.render_text_inline(a.text, fmt),
                # Feedback is frozen as HTML: grading passes it through untouched.
                "feedback": markdown.render_text_inline(a.feedback, fmt),
            }
            for a in answers
        ]
        return {
            "kind": self.kind,
            "title": self.title,
            "text": markdown.render_text(self.text, fmt),
            "explanation": markdown.render_text(self.explanation, fmt),
            "lesson_url": self.lesson_url,
            "lesson_title": self.lesson.title if self.lesson_id else "",
            "topic": {"id": self.topic_id, "title": self.topic.title},
            "options": options,
            "choices": sorted({a.match for a in answers if a.match}, key=str.casefold),
        }

    def source_digest(self) -> str:
        """A fingerprint of everything `render()` reads, without rendering anything.

        Two equal digests mean an equal rendering, so a version can be reused as long as the
        digest stays the same. Load with select_related("lesson__topic__course", "topic")
        and prefetch_related("answers") to compute it without queries.
        """
        source = [
            self.pk,
            self.kind,
            self.title,
            self.text,
            self.text_format,
            self.explanation,
            self.lesson_url,
            self.lesson.title if self.lesson_id else "",
            self.topic_id,
            self.topic.title,
            [[a.pk, *(getattr(a, f) for f in ANSWER_FIELDS)] for a in self.answers.all()],
        ]
        encoded = json.dumps(source, ensure_ascii=False, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


def shuffle_snapshot(rendered: dict, rng: random.Random | None) -> dict:
    """A slot's copy of a rendered question, its options and choices shuffled with `rng`."""
    options, choices = rendered["options"], rendered["choices"]
    if rng is not None:
        if kinds.get(rendered["kind"]).shuffles:
            options = _shuffled(options, rng)
        choices = _shuffled(choices, rng)
    return {**rendered, "options": list(options), "choices": list(choices)}


class QuestionVersion(models.Model):
    """A question as learners were given it: text, answers and their HTML, rendered once.

    Attempts are built from versions, never from the live question: `quizzes.versions.current`
    returns each question's version, creating one when the question has changed since (so
    Markdown is rendered once per edit, not once per attempt). A version is immutable once an
    attempt slot holds it; until then an edit rewrites it in place, so a new version appears
    only when a question that learners were given (and may have answered) is edited.

    `snapshot` is `Question.render()`: the grading data of every answer row (ids, fractions,
    tolerances, matches) and the rendered HTML, options in written order. Each slot keeps
    its own shuffled copy and a link to its version (`Slot.version`), which is what a
    regrade compares with the question's current version.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1 for the first version, then 2, 3, …")
    digest = models.CharField(max_length=64, help_text="Question.source_digest() it renders.")
    snapshot = models.JSONField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["question", "digest"], name="version_digest_unique"),
        ]

    def __str__(self):
        return f"{self.snapshot.get('title', self.question_id)} (version {self.number})"

    def gradable(self) -> grading.Gradable:
        return gradable_from(self.snapshot)


def personal_title(purpose: str, topic: Topic | None) -> str:
    if purpose == Quiz.Purpose.REVIEW:
        return "Review what is due"
    return f"Practise my mistakes: {topic.title if topic else ''}"


def _shuffled(items: list, rng: random.Random) -> list:
    """A random order that differs from the given one whenever that is possible."""
    if len(items) < 2:
        return list(items)
    shuffled = list(items)
    while shuffled == items:
        rng.shuffle(shuffled)
    return shuffled


class Answer(models.Model):
    """One answer row, in Moodle's shape; see quizzes.formats.interchange.AnswerData per kind."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(blank=True, help_text="Option, accepted answer, or matching item.")
    fraction = models.FloatField(
        default=0, help_text="Grade share from -1 to 1 (1 = full marks, 0.5 = half)."
    )
    feedback = models.TextField(blank=True, help_text="Shown to a learner who gives this answer.")
    value = models.FloatField(
        null=True,
        blank=True,
        help_text="Numerical: the correct value. Long answer: the marks of this scheme point.",
    )
    tolerance = models.FloatField(default=0, help_text="Numerical: accepted ± margin (≥ 0).")
    match = models.CharField(
        max_length=255,
        blank=True,
        help_text="Matching: the right-hand side. Long answer: the point's key ideas, "
        "e.g. “routine | rule-based ; volume” (ideas split by ;, synonyms by |).",
    )
    misconception = models.CharField(
        max_length=200, blank=True, help_text="The mistaken belief behind this wrong answer."
    )

    class Meta:
        ordering = ["question", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction__gte=-1) & Q(fraction__lte=1), name="answer_fraction_range"
            ),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="answer_tolerance_positive"),
        ]

    def __str__(self):
        return f"{self.text} → {self.match}" if self.match else self.text

    def option(self) -> grading.Option:
        return grading.Option(id=self.pk, **{f: getattr(self, f) for f in ANSWER_FIELDS})


REVIEW_ALWAYS = 15  # every timing: during, immediately after, later, after closing
REVIEW_ITEMS = (
    "review_correctness",
    "review_marks",
    "review_specific_feedback",
    "review_general_feedback",
    "review_right_answer",
)


# Moodle's "immediately after the attempt" lasts two minutes from submission.
IMMEDIATELY_FOR = timedelta(minutes=2)


@dataclass(frozen=True)
class Shown:
    """What a learner may see of their answers at one moment, by the quiz's review options."""

    correctness: bool = False
    marks: bool = False
    specific_feedback: bool = False
    general_feedback: bool = False
    right_answer: bool = False

    @property
    def explanation(self) -> bool:
        """An explanation usually states the answer, so it counts as the right answer too."""
        return self.general_feedback and self.right_answer

    @classmethod
    def everything(cls) -> "Shown":
        """What staff see of an attempt in the admin, whatever the review options say."""
        return cls(*(True,) * len(fields(cls)))


@dataclass(frozen=True)
class Limits:
    """What one learner may do at one quiz: the quiz's rules plus their override, if any."""

    attempts_allowed: int  # 0: unlimited
    time_limit: timedelta | None  # None: no limit
    closes: datetime | None

    def attempts_left(self, used: int) -> int | None:
        """How many more attempts may start; None when unlimited."""
        return None if not self.attempts_allowed else max(0, self.attempts_allowed - used)

    def deadline(self, started: datetime) -> datetime | None:
        """When an attempt started then is submitted for the learner: the time limit or the
        quiz's closing, whichever comes first."""
        ends = [self.closes] if self.closes else []
        if self.time_limit:
            ends.append(started + self.time_limit)
        return min(ends, default=None)


class QuizQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Quiz.Status.PUBLISHED)


class Quiz(models.Model):
    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice (feedback after each question)"
        EXAM = "exam", "Exam (feedback after submitting)"

    class When(models.IntegerChoices):
        """Moodle's review timings, as bits: a review option holds the timings it shows in."""

        DURING = 1, "During the attempt"
        IMMEDIATELY = 2, "Immediately after the attempt"
        LATER = 4, "Later, while the quiz is still open"
        CLOSED = 8, "After the quiz closes"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft: only staff can preview it"
        PUBLISHED = "published", "Published: learners can see it"

    class Purpose(models.TextChoices):
        STANDARD = "standard", "A quiz learners pick"
        REVIEW = "review", "Spaced review of due questions (built per learner)"
        MISTAKES = "mistakes", "A learner's mistakes in one topic (built per learner)"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes")
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quizzes",
        help_text="Leave empty for a quiz over the whole course.",
    )
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.STANDARD)
    # Published by default so that quizzes made in code (course files, personal quizzes) are
    # served; the admin's add form starts new quizzes as drafts.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    opens = models.DateTimeField(
        null=True, blank=True, help_text="Learners can start it from then on. Empty: at once."
    )
    closes = models.DateTimeField(
        null=True,
        blank=True,
        help_text="No attempt starts after this, and open attempts are submitted then. "
        "Empty: it never closes.",
    )
    order = models.PositiveIntegerField(default=0)
    questions = models.ManyToManyField(
        Question, through="QuizQuestion", blank=True, related_name="quizzes"
    )
    draw_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Draw this many questions at random instead of using the fixed list.",
    )
    draw_topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="+",
        help_text="Topics to draw from (empty: the quiz's topic, or the whole course).",
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_answers = models.BooleanField(default=True)
    time_limit = models.DurationField(
        null=True,
        blank=True,
        help_text="Exams only, in minutes; empty means no limit.",
    )
    pass_mark = models.PositiveSmallIntegerField(default=60, help_text="Percent needed to pass.")
    attempts_allowed = models.PositiveSmallIntegerField(
        default=0, help_text="0 means unlimited attempts."
    )
    # Moodle's review options: each is a set of `When` bits (see quizzes.review.shown).
    review_correctness = models.PositiveSmallIntegerField(
        "whether correct", default=REVIEW_ALWAYS, validators=[MaxValueValidator(REVIEW_ALWAYS)]
    )
    review_marks = models.PositiveSmallIntegerField(
        "marks", default=REVIEW_ALWAYS, validators=[MaxValueValidator(REVIEW_ALWAYS)]
    )
    review_specific_feedback = models.PositiveSmallIntegerField(
        "specific feedback",
        default=REVIEW_ALWAYS,
        validators=[MaxValueValidator(REVIEW_ALWAYS)],
        help_text="The feedback on the answer the learner gave.",
    )
    review_general_feedback = models.PositiveSmallIntegerField(
        "general feedback",
        default=REVIEW_ALWAYS,
        validators=[MaxValueValidator(REVIEW_ALWAYS)],
        help_text="The question's explanation. It often states the answer, so it is shown "
        "only when the right answer is shown too.",
    )
    review_right_answer = models.PositiveSmallIntegerField(
        "right answer", default=REVIEW_ALWAYS, validators=[MaxValueValidator(REVIEW_ALWAYS)]
    )

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "pk"]
        verbose_name_plural = "quizzes"
        constraints = [
            # Only quizzes learners pick have a URL, so only their slugs must be unique: a
            # personal quiz is found by its purpose and topic, never by a reserved slug.
            models.UniqueConstraint(
                fields=["course", "slug"],
                condition=Q(purpose="standard"),
                name="quiz_slug_unique_per_course",
            ),
            # One review quiz per course and one mistakes quiz per topic (the review quiz has
            # no topic, and NULLs never collide in a unique index, hence the Coalesce).
            models.UniqueConstraint(
                F("course"),
                F("purpose"),
                Coalesce(F("topic"), Value(0)),
                condition=~Q(purpose="standard"),
                name="one_personal_quiz_per_purpose_topic",
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(opens__isnull=True) | Q(closes__isnull=True) | Q(closes__gt=F("opens")),
                name="quiz_closes_after_opens",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.is_personal:
            return reverse("quizzes:dashboard")  # personal quizzes are started from there
        return reverse("quizzes:quiz", args=[self.course.slug, self.slug])

    @property
    def is_personal(self) -> bool:
        return self.purpose != self.Purpose.STANDARD

    @property
    def time_limit_minutes(self) -> int | None:
        if self.time_limit is None:
            return None
        return max(1, round(self.time_limit.total_seconds() / 60))

    @classmethod
    def personal(cls, course: Course, purpose: str, topic: Topic | None = None) -> "Quiz":
        """The course's review or mistakes quiz: its questions are chosen per learner.

        Found by `purpose` and topic, so an author's quiz can use any slug (even `review`);
        the slug a personal quiz gets is only a readable label and is never looked up.
        """
        quiz, _ = cls.objects.get_or_create(
            course=course,
            purpose=purpose,
            topic=topic,
            defaults={
                "slug": purpose if topic is None else f"{purpose}-{topic.slug}",
                "title": personal_title(purpose, topic),
            },
        )
        return quiz

    def clean(self):
        if self.time_limit and self.mode != self.Mode.EXAM:
            raise ValidationError({"time_limit": "Only exams have a time limit."})
        if self.topic_id and self.course_id and self.topic.course_id != self.course_id:
            raise ValidationError({"topic": "The topic must belong to the quiz's course."})
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "The quiz must close after it opens."})

    def review_shown(self, when: int) -> Shown:
        """The review options that apply at one timing (a `Quiz.When` value).

        An exam shows nothing during the attempt, whatever its options say: its answers are
        graded on submission.
        """
        if when == self.When.DURING and self.is_exam:
            return Shown()
        return Shown(
            **{
                name.removeprefix("review_"): bool(getattr(self, name) & when)
                for name in REVIEW_ITEMS
            }
        )

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def unavailable_reason(self, now: datetime | None = None) -> str:
        """Why a learner cannot start this quiz now, in words; empty when they can."""
        now = now or timezone.now()
        if not self.is_published:
            return "This quiz is a draft: learners cannot see it yet."
        if self.opens and now < self.opens:
            return f"This quiz opens on {timezone.localtime(self.opens):%-d %b %Y at %H:%M}."
        if self.closes and now >= self.closes:
            return f"This quiz closed on {timezone.localtime(self.closes):%-d %b %Y at %H:%M}."
        return ""

    def limits_for(self, learner: "Learner | None") -> Limits:
        """The quiz's attempt and time limits for one learner, with their override added.

        Give a learner more with `QuizOverride.grant(quiz=…, learner=…, attempts=1)`.
        """
        override = (
            QuizOverride.objects.filter(quiz=self, learner=learner).first()
            if learner is not None and learner.pk
            else None
        )
        attempts, limit = self.attempts_allowed, self.time_limit if self.is_exam else None
        if override is not None:
            if attempts:
                attempts += override.extra_attempts
            if limit and override.extra_time:
                limit += override.extra_time
        return Limits(attempts_allowed=attempts, time_limit=limit, closes=self.closes)

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.EXAM

    def question_pool(self):
        """The questions an attempt is built from (before drawing and shuffling).

        Without a draw count, the fixed list, which may be empty: an empty quiz serves
        nothing, never "everything". With one, the draw topics, or the quiz's topic, or the
        whole course. Retired questions are never served.
        """
        if not self.draw_count:
            return self.questions.filter(retired=False).order_by("quizquestion__order", "pk")
        return draw_pool(self.course_id, self.topic_id, list(self.draw_topics.all()))

    def selection(self) -> "Selection":
        """What an attempt is given, for learner-facing descriptions and admin checks."""
        if not self.draw_count:
            return fixed_selection(self.questions.filter(retired=False))
        return drawn_selection(self, list(self.draw_topics.all()))


def topic_quiz_links(quizzes) -> list[tuple[str, "Quiz"]]:
    """A topic's quiz buttons: one "Practise this topic", then every other quiz by its title.

    "Practise this topic" goes to the topic's first practice quiz in the course's order, so
    a second practice quiz on the topic adds a button with its own title, not a twin.
    """
    links: list[tuple[str, Quiz]] = []
    practise = None
    for quiz in sorted(quizzes, key=lambda q: (q.order, q.pk)):
        if practise is None and not quiz.is_exam:
            practise = quiz
            links.insert(0, ("Practise this topic", quiz))
        else:
            links.append((f"Take “{quiz.title}”" if quiz.is_exam else quiz.title, quiz))
    return links


def draw_pool(course_id: int, topic_id: int | None, draw_topics: list[Topic]):
    pool = Question.objects.filter(topic__course_id=course_id, retired=False)
    if draw_topics:
        return pool.filter(topic__in=draw_topics).order_by("pk")
    if topic_id:
        return pool.filter(topic_id=topic_id).order_by("pk")
    return pool.order_by("pk")


@dataclass(frozen=True)
class Selection:
    """The questions a quiz actually serves: how many, drawn from how many, from where."""

    count: int
    pool: int
    drawn: bool
    topics: tuple[str, ...] = ()  # empty: the whole course

    @property
    def where(self) -> str:
        if not self.topics:
            return "the whole course"
        names = [f"“{t}”" for t in self.topics]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def description(self) -> str:
        if not self.count:
            return "No questions yet."
        noun = "question" if self.count == 1 else "questions"
        if self.drawn:
            return f"{self.count} {noun} drawn at random from the {self.pool} in {self.where}."
        return f"{self.count} {noun} from {self.where}."


def fixed_selection(questions) -> Selection:
    """A fixed list, counted and named by its topics in one query."""
    topics = (
        Topic.objects.filter(questions__in=questions)
        .annotate(n=models.Count("questions"))
        .order_by("order", "pk")
        .values_list("title", "n")
    )
    rows = list(topics)
    count = sum(n for _, n in rows)
    return Selection(count, count, False, tuple(title for title, _ in rows))


def drawn_selection(quiz: Quiz, draw_topics: list[Topic]) -> Selection:
    pool = draw_pool(quiz.course_id, quiz.topic_id, draw_topics).count()
    if draw_topics:
        titles = tuple(t.title for t in sorted(draw_topics, key=lambda t: (t.order, t.pk)))
    elif quiz.topic_id:
        titles = (quiz.topic.title,)
    else:
        titles = ()
    return Selection(min(quiz.draw_count, pool), pool, True, titles)


def selection_problems(quiz: Quiz, draw_topics: list[Topic], fixed: list[Question]) -> list[str]:
    """Why a quiz would not serve what its settings say, before they are saved.

    `quiz` holds the submitted settings; `draw_topics` and `fixed` the submitted topics to
    draw from and fixed questions.
    """
    problems = []
    if any(t.course_id != quiz.course_id for t in draw_topics):
        problems.append("Draw only from topics of the quiz's own course.")
    if not quiz.draw_count:
        if draw_topics:
            problems.append(
                "Topics to draw from are used only by a random draw: set how many questions "
                "to draw, or clear the topics."
            )
        if not fixed and quiz.status == Quiz.Status.PUBLISHED:
            problems.append(
                "A published quiz needs questions: add them to its fixed list, or set how many "
                "to draw at random. (A draft may stay empty.)"
            )
        return problems
    if fixed:
        problems.append(
            "A quiz either draws at random or uses its fixed list, not both: clear the number "
            "to draw, or remove the fixed questions."
        )
    selection = drawn_selection(quiz, draw_topics)
    if selection.pool < quiz.draw_count:
        problems.append(
            f"The quiz draws {quiz.draw_count} questions, but {selection.where} holds only "
            f"{selection.pool}: draw fewer, or draw from more topics."
        )
    return problems


class QuizOverride(models.Model):
    """Moodle's user override: one learner's extra attempts and extra time at one quiz.

    Read it through `Quiz.limits_for(learner)`; write it with `QuizOverride.grant`.
    """

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="overrides")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="quiz_overrides")
    extra_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Added to the quiz's attempts allowed (unlimited stays unlimited)."
    )
    extra_time = models.DurationField(
        null=True, blank=True, help_text="Added to an exam's time limit, in minutes."
    )

    class Meta:
        verbose_name = "learner override"
        constraints = [
            models.UniqueConstraint(fields=["quiz", "learner"], name="one_override_per_learner")
        ]

    def __str__(self):
        return f"{self.quiz} · {self.learner}"

    @classmethod
    def grant(
        cls, *, quiz: Quiz, learner: Learner, attempts: int = 0, time: timedelta | None = None
    ) -> "QuizOverride":
        """Give a learner `attempts` more attempts and `time` more time, on top of any
        override they already have."""
        with transaction.atomic():
            override, _ = cls.objects.select_for_update().get_or_create(quiz=quiz, learner=learner)
            override.extra_attempts += attempts
            if time:
                override.extra_time = (override.extra_time or timedelta()) + time
            override.save()
        return override


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE)
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quiz_question_once")
        ]

    def __str__(self):
        return f"{self.quiz} · {self.question}"


class AttemptQuerySet(models.QuerySet):
    def for_learner(self, learner):
        return self.filter(learner=learner)

    def owned_by(self, request):
        """Attempts the requester may see: another learner's id then looks like a missing one."""
        if request.user.is_authenticated:
            return self.filter(learner__user=request.user)
        learner_id = request.session.get(GUEST_SESSION_KEY)
        if learner_id is None:
            return self.none()
        return self.filter(learner_id=learner_id, learner__user__isnull=True)

    def open(self):
        return self.filter(state=Attempt.State.OPEN)

    def running_exams(self, learner_id):
        """A learner's open exam attempts whose time has not run out."""
        return self.filter(
            Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()),
            learner_id=learner_id,
            state=Attempt.State.OPEN,
            quiz__mode=Quiz.Mode.EXAM,
        )

    def with_hints_at_exam(self, learner_id):
        """Annotate `withheld`: does the attempt share a question with one of the learner's
        running exams? Its score would then hint at that exam's answers."""
        running = Attempt.objects.running_exams(learner_id)
        sealed = Slot.objects.filter(attempt__in=running).values("question_id")
        shares = Slot.objects.filter(attempt=OuterRef("pk"), question_id__in=sealed)
        return self.annotate(withheld=Exists(shares))

    def finished(self):
        return self.filter(state=Attempt.State.FINISHED)


class Attempt(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "In progress"
        FINISHED = "finished", "Finished"

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attempts")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    started = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    slot_count = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(null=True, blank=True, help_text="Sum of question fractions.")

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started"]
        indexes = [
            models.Index(fields=["quiz", "state"], name="attempt_quiz_state"),
            # Reports close expired exams before reading (attempts.close_expired).
            models.Index(
                fields=["deadline"], condition=Q(state="open"), name="attempt_open_deadline"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=F("slot_count"))),
                name="attempt_score_within_max",
            ),
            models.UniqueConstraint(
                fields=["learner", "quiz"],
                condition=Q(state="open"),
                name="one_open_attempt_per_learner_quiz",
            ),
        ]

    def __str__(self):
        return f"{self.quiz} · {self.learner} · {self.started:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("quizzes:slot", args=[self.pk, 1])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    def review_timing(self, now: datetime | None = None) -> int:
        """Which of Moodle's review timings (`Quiz.When`) this attempt is in now."""
        now = now or timezone.now()
        if self.is_open:
            return Quiz.When.DURING
        if self.finished is not None and now < self.finished + IMMEDIATELY_FOR:
            return Quiz.When.IMMEDIATELY
        closes = self.quiz.closes
        return Quiz.When.LATER if closes is None or now < closes else Quiz.When.CLOSED

    def shown(self, now: datetime | None = None) -> Shown:
        """What the learner may see of this attempt now (needs self.quiz)."""
        return self.quiz.review_shown(self.review_timing(now))

    @property
    def is_expired(self) -> bool:
        return self.deadline is not None and timezone.now() >= self.deadline

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.slot_count:
            return None
        return 100 * self.score / self.slot_count

    @property
    def passed(self) -> bool:
        return self.percent is not None and self.percent >= self.quiz.pass_mark

    @property
    def seconds_left(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - timezone.now()).total_seconds()))

    @property
    def time_left(self) -> str:
        """Minutes:seconds left, as shown by the countdown (and without JavaScript)."""
        left = self.seconds_left or 0
        return f"{left // 60}:{left % 60:02d}"


class SlotQuerySet(models.QuerySet):
    def with_learner_state(self):
        """Each slot with what grading an answer to it updates: the learner's review card
        for the question (`card`) and their kept progress in its topic (`kept`), each
        missing when there is none yet; `brings_learner_state` says they were read (see
        `attempts.record_answer`)."""
        learner = F("attempt__learner_id")
        return self.annotate(
            brings_learner_state=Value(True),
            card=FilteredRelation(
                "question__cards", condition=Q(question__cards__learner_id=learner)
            ),
            kept=FilteredRelation(
                "question__topic__kept_progress",
                condition=Q(question__topic__kept_progress__learner_id=learner),
            ),
        ).select_related("card", "kept")

    def for_answer(self, attempts):
        """Slots of these attempts with everything an answer post reads, in one query: the
        attempt (quiz and course), question, response, for practice `withheld` (see
        `Slot.sealing_exam`), and `with_learner_state`."""
        practice = Slot.sealing_exam(OuterRef(OuterRef("attempt__learner_id")))
        return (
            self.filter(attempt__in=attempts)
            .select_related("attempt__quiz__course", "question", "response")
            .annotate(
                withheld=Case(When(attempt__quiz__mode=Quiz.Mode.EXAM, then=None), default=practice)
            )
            .with_learner_state()
            .order_by()
        )


class Slot(models.Model):
    """One question in one attempt, frozen at the moment the attempt started."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    number = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="slots")
    # Empty only for slots made before versions existed; their snapshot is still frozen.
    version = models.ForeignKey(
        QuestionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="slots"
    )
    snapshot = models.JSONField(help_text="The version's rendering, options in this slot's order.")
    flagged = models.BooleanField(default=False)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "number"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "number"], name="slot_number_unique")
        ]

    def __str__(self):
        return f"Q{self.number} of attempt {self.attempt_id}"

    @staticmethod
    def sealing_exam(learner_id):
        """Annotation: the title of a running exam of the learner that asks the slot's
        question (its result must stay hidden), or None. See `Learner.sealed_questions`."""
        running = Attempt.objects.running_exams(learner_id)
        # `question_id + 0` hides the column's index from the planner: SQLite otherwise walks
        # every slot ever given of the question (thousands, across all learners) instead of
        # the few slots of this learner's running exams (60 ms -> 0.03 ms on the bench data).
        asks = Slot.objects.alias(asked=F("question_id") + 0).filter(
            attempt__in=running, asked=OuterRef("question_id")
        )
        return Subquery(asks.values("attempt__quiz__title")[:1])

    @property
    def kind(self) -> str:
        return self.snapshot["kind"]

    def option_value(self, option_id: int) -> str:
        """What a form posts for one option of this slot (see `option_value`)."""
        return option_value(self.attempt_id, self.number, option_id)

    def shown(self) -> dict:
        """The snapshot as a page shows it: each option also carries its form `value`."""
        options = [{**o, "value": self.option_value(o["id"])} for o in self.snapshot["options"]]
        return {**self.snapshot, "options": options}

    def gradable(self) -> grading.Gradable:
        return gradable_from(self.snapshot)


def gradable_from(snapshot: dict) -> grading.Gradable:
    """What grading needs from a rendered question (a version's or a slot's snapshot)."""
    return grading.Gradable(
        snapshot["kind"],
        tuple(
            grading.Option(id=o["id"], **{f: o[f] for f in ANSWER_FIELDS})
            for o in snapshot["options"]
        ),
    )


def option_value(attempt_id: int, number: int, option_id: int, *, secret=None) -> str:
    """The opaque value a form posts for one option of one slot.

    An HMAC of the attempt, the slot number and the answer row: it differs in every
    attempt, says nothing about the order the author wrote the options in (database ids
    would), and a value from another attempt or question fails the form's validation.
    Nothing is stored, and responses keep the answer row's id, so grading is unchanged.
    `secret` defaults to SECRET_KEY (tests that read a server's database pass its key).
    """
    message = f"{attempt_id}:{number}:{option_id}"
    digest = salted_hmac("quizzes.option_value", message, secret=secret, algorithm="sha256")
    return digest.hexdigest()[:16]


def encode_answer(kind: str, value) -> dict:
    """A grading response (see quizzes.grading) as the JSON stored on Response.answer."""
    return kinds.get(kind).encode(value)


def decode_answer(kind: str, stored: dict):
    """The inverse of encode_answer: stored JSON back to grading's response type."""
    return kinds.get(kind).decode(stored)


class ResponseQuerySet(models.QuerySet):
    def graded(self):
        """Responses whose result the learner has seen: practice answers, submitted exams."""
        return self.filter(fraction__isnull=False)

    def for_learner(self, learner):
        return self.filter(learner=learner)


class Response(models.Model):
    """A learner's answer to one slot: the single source of truth for scores and progress."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="response")
    # Copied from the slot when the response is created, so progress queries need no joins.
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    answer = models.JSONField(help_text="The answer as given, in grading's response shape.")
    fraction = models.FloatField(
        null=True, blank=True, help_text="Empty until graded (exam answers: on submit)."
    )
    # The graded outcome as the learner was shown it, stored at grading time so a review
    # never recomputes it: a later change to grading or to the question leaves it alone,
    # and only a regrade rewrites it.
    feedback = models.JSONField(
        default=list, blank=True, help_text="Feedback shown with the grade (HTML), in order."
    )
    hint = models.TextField(blank=True, help_text="The hint shown with the grade.")
    matched = models.JSONField(
        default=list, blank=True, help_text="Ids of the answer rows selected or matched."
    )
    version = models.PositiveIntegerField(default=1, help_text="Sequence check for edits.")
    seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Time to answer.")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    graded = models.DateTimeField(null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["learner", "graded"], name="response_learner_graded"),
            models.Index(fields=["question", "learner"], name="response_question_learner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction__isnull=True) | (Q(fraction__gte=0) & Q(fraction__lte=1)),
                name="response_fraction_range",
            ),
        ]

    def __str__(self):
        return f"Response to {self.slot}"

    @property
    def value(self):
        """The answer in grading's response shape (needs self.slot)."""
        return decode_answer(self.slot.kind, self.answer)

    def outcome(self) -> grading.Outcome:
        """Grade from the slot's frozen snapshot (for grading; displays use `graded_outcome`)."""
        return grading.grade(self.slot.gradable(), self.value)

    def graded_outcome(self) -> grading.Outcome | None:
        """The outcome stored when this response was graded, exactly as the learner saw it."""
        if self.fraction is None:
            return None
        return grading.Outcome(self.fraction, tuple(self.feedback), self.hint, tuple(self.matched))

    def keep_outcome(self, outcome: grading.Outcome) -> None:
        """Set the graded fields (OUTCOME_FIELDS) from an outcome; the caller saves them."""
        self.fraction = outcome.fraction
        self.feedback = list(outcome.feedback)
        self.hint = outcome.hint
        self.matched = list(outcome.matched)


# What `Response.keep_outcome` sets, for bulk_update and update_fields.
OUTCOME_FIELDS = ["fraction", "feedback", "hint", "matched"]


class ResponseOption(models.Model):
    """An answer row that a graded response selected or matched, for option statistics.

    Choice questions record the options picked; short-answer and numerical questions the
    accepted (or wrong) answer row the text matched. Misconception counts join through here.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="options")
    # No database constraint: the id comes from the attempt's frozen snapshot, and the
    # answer row may have been edited away since; history keeps the id regardless.
    answer = models.ForeignKey(
        Answer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "answer"], name="response_option_once")
        ]

    def __str__(self):
        return f"{self.response_id} → {self.answer_id}"


class ReviewCard(models.Model):
    """FSRS memory state of one question for one learner.

    A cache derived from graded responses: `quizzes.scheduling.rebuild_cards` replays them
    and recreates every card, so nothing here is a source of truth.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    # The latest graded answer (by graded time, then response id, as reports order answers):
    # recall counts only questions whose latest answer was at least half right, and reading
    # the grade here spares every report a correlated subquery over the responses.
    latest_fraction = models.FloatField(
        null=True, blank=True, help_text="Grade of the latest graded answer to the question."
    )
    latest_graded = models.DateTimeField(null=True, blank=True)
    latest_response = models.BigIntegerField(
        null=True, blank=True, help_text="Id of that answer: it breaks ties in graded time."
    )

    class Meta:
        indexes = [models.Index(fields=["learner", "due"], name="card_learner_due")]
        constraints = [
            models.UniqueConstraint(fields=["learner", "question"], name="one_card_per_question"),
            models.CheckConstraint(
                condition=Q(latest_fraction__isnull=True)
                | (Q(latest_fraction__gte=0) & Q(latest_fraction__lte=1)),
                name="card_latest_fraction_range",
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.question_id} due {self.due:%Y-%m-%d}"

    def is_latest(self, graded: datetime, response_id: int) -> bool:
        """Whether an answer graded then is at least as recent as the one the card holds."""
        if self.latest_graded is None:
            return True
        return (graded, response_id) >= (self.latest_graded, self.latest_response or 0)


class TopicProgress(models.Model):
    """A learner's answers in one topic, summarised as they are graded (`progress.record`).

    A cache with one writer: the transaction that grades an answer (a practice answer, an
    exam submit) folds it in, and `progress.rebuild` recomputes rows from the responses
    after anything that changes them wholesale (merging a guest, a regrade, a question
    moved to another topic). It always equals what the responses give
    (`progress.computed_by_learner`), which the tests check over random answer sequences.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="progress")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="kept_progress")
    seen = models.JSONField(default=list, help_text="Ids of the questions answered, sorted.")
    answers = models.PositiveIntegerField(default=0, help_text="Graded answers.")
    self_marked = models.PositiveIntegerField(
        default=0, help_text="Graded answers the learner marked themselves (long answers)."
    )
    last = models.DateTimeField(null=True, blank=True, help_text="Latest graded answer.")
    recent = models.JSONField(
        default=list, help_text="[timestamp, response id, fraction] of the latest answers."
    )
    # Kept beside `recent` so that reports of a thousand learners decode no JSON per row.
    recent_accuracy = models.FloatField(
        null=True, blank=True, help_text="Mean fraction of `recent` (None before any answer)."
    )

    class Meta:
        verbose_name_plural = "topic progress"
        constraints = [
            models.UniqueConstraint(fields=["learner", "topic"], name="one_progress_per_topic")
        ]

    def __str__(self):
        return f"{self.learner} · {self.topic_id}: {self.answers} answers"


def new_join_code() -> str:
    """Eight characters that are easy to read aloud and type (no 0/O or 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Cohort(models.Model):
    """A class an instructor runs. Learners join with its link or code."""

    name = models.CharField(max_length=120)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="cohorts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="owned_cohorts",
        help_text="The instructor who runs the class and sees its report.",
    )
    code = models.CharField(max_length=12, unique=True, default=new_join_code, editable=False)
    joining_open = models.BooleanField(
        "open for joining",
        default=True,
        help_text="Untick to stop new learners joining with the link or code; members stay.",
    )
    created = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "class"
        verbose_name_plural = "classes"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("quizzes:join", args=[self.code])


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_class")
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort}"
