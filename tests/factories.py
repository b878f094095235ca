import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from courses.models import Course, FAQEntry, GlossaryTerm, KeyPoint, Lesson, Source, Topic


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
