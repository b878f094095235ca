import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from courses.models import Course, FAQEntry, GlossaryTerm, KeyPoint, Lesson, Source, Topic
from quizzes.models import Answer, Learner, Question, Quiz, QuizQuestion


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course."


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    course = factory.SubFactory(CourseFactory)
    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    publisher = "A publisher"


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.Sequence(lambda n: f"Topic {n}")
    summary = "What this topic covers."
    order = factory.Sequence(int)


class KeyPointFactory(DjangoModelFactory):
    class Meta:
        model = KeyPoint

    topic = factory.SubFactory(TopicFactory)
    text = factory.Sequence(lambda n: f"Key fact number {n}.")
    order = factory.Sequence(int)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    topic = factory.SubFactory(TopicFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    order = factory.Sequence(int)
    body = "Intro.\n\n## First section\n\nSome text.\n\n## Second section\n\nMore text.\n"


class GlossaryTermFactory(DjangoModelFactory):
    class Meta:
        model = GlossaryTerm

    course = factory.SubFactory(CourseFactory)
    term = factory.Sequence(lambda n: f"Term {n}")
    definition = "A definition."


class FAQEntryFactory(DjangoModelFactory):
    class Meta:
        model = FAQEntry

    topic = factory.SubFactory(TopicFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An answer."
    order = factory.Sequence(int)


# --- quizzes ----------------------------------------------------------------------------------

# Answer rows per kind, in the order an author writes them (right answer first, as in GIFT).
DEFAULT_ANSWERS = {
    "single": [
        {"text": "Knowledge process outsourcing", "fraction": 1.0, "feedback": "Yes."},
        {
            "text": "Knowledge production office",
            "fraction": 0.0,
            "feedback": "No.",
            "misconception": "guesses the letters",
        },
        {"text": "Key process outsourcing", "fraction": 0.0, "feedback": "No."},
        {"text": "Knowledge partner organisation", "fraction": 0.0, "feedback": "No."},
    ],
    "multiple": [
        {"text": "Equity research", "fraction": 0.5},
        {"text": "Patent research", "fraction": 0.5},
        {"text": "Data entry", "fraction": -0.5, "misconception": "treats BPO work as KPO"},
        {"text": "Call handling", "fraction": -0.5},
    ],
    "truefalse": [
        {"text": "True", "fraction": 1.0, "feedback": "Right."},
        {
            "text": "False",
            "fraction": 0.0,
            "feedback": "LPO sits inside KPO.",
            "misconception": "treats LPO as separate from KPO",
        },
    ],
    "short": [
        {"text": "KPO", "fraction": 1.0},
        {"text": "Knowledge Process Outsourcing", "fraction": 1.0},
    ],
    "numerical": [{"text": "40", "value": 40.0, "tolerance": 0.0, "fraction": 1.0}],
    "matching": [
        {"text": "Payroll processing", "match": "BPO"},
        {"text": "Equity research", "match": "KPO"},
        {"text": "Contract review", "match": "LPO"},
    ],
    # Mark-scheme points: marks in value, key ideas in match, share of the marks in fraction.
    "essay": [
        {
            "text": "BPO runs routine, rule-based processes",
            "value": 2.0,
            "fraction": 0.5,
            "match": "rule-based | routine | repetitive ; volume | high-volume",
        },
        {
            "text": "KPO applies expert judgement",
            "value": 2.0,
            "fraction": 0.5,
            "match": "judgement | judgment | expertise",
        },
    ],
}


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    topic = factory.SubFactory(TopicFactory)
    kind = Question.Kind.SINGLE
    title = factory.Sequence(lambda n: f"Question {n}")
    text = "What does **KPO** stand for?"
    explanation = "KPO means knowledge process outsourcing."

    @factory.post_generation
    def answers(self, create, extracted, **kwargs):
        rows = extracted if extracted is not None else DEFAULT_ANSWERS[self.kind]
        for order, row in enumerate(rows, start=1):
            Answer.objects.create(question=self, order=order, **row)


class QuizFactory(DjangoModelFactory):
    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    course = factory.LazyAttribute(lambda q: q.topic.course if q.topic else CourseFactory())
    topic = factory.SubFactory(TopicFactory)
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    mode = Quiz.Mode.PRACTICE

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        for order, question in enumerate(extracted or [], start=1):
            QuizQuestion.objects.create(quiz=self, question=question, order=order)


class LearnerFactory(DjangoModelFactory):
    class Meta:
        model = Learner

    user = factory.SubFactory(UserFactory)


def quiz_with_questions(n: int = 3, *, kinds=("single",), **quiz_kwargs) -> Quiz:
    """A quiz on one topic with n questions, cycling through the given kinds."""
    topic = quiz_kwargs.pop("topic", None) or TopicFactory()
    questions = list(quiz_kwargs.pop("questions", []))
    questions += [QuestionFactory(topic=topic, kind=kinds[i % len(kinds)]) for i in range(n)]
    return QuizFactory(topic=topic, course=topic.course, questions=questions, **quiz_kwargs)
