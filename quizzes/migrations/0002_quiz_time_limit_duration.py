from datetime import timedelta

from django.db import migrations, models


def minutes_to_duration(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    for quiz in Quiz.objects.exclude(time_limit_minutes=None):
        quiz.time_limit = timedelta(minutes=quiz.time_limit_minutes)
        quiz.save(update_fields=["time_limit"])


def duration_to_minutes(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    for quiz in Quiz.objects.exclude(time_limit=None):
        quiz.time_limit_minutes = max(1, round(quiz.time_limit.total_seconds() / 60))
        quiz.save(update_fields=["time_limit_minutes"])


class Migration(migrations.Migration):
    """Time limits become durations so an exam can last any length (tests use seconds).

    An integer column cannot be cast to an interval on PostgreSQL, so the values move
    through a new column instead of an AlterField.
    """

    dependencies = [("quizzes", "0001_initial")]

    operations = [
        migrations.RenameField("quiz", "time_limit", "time_limit_minutes"),
        migrations.AddField(
            model_name="quiz",
            name="time_limit",
            field=models.DurationField(
                blank=True,
                null=True,
                help_text="Exams only, e.g. 00:30:00 for 30 minutes; empty means no limit.",
            ),
        ),
        migrations.RunPython(minutes_to_duration, duration_to_minutes),
        migrations.RemoveField("quiz", "time_limit_minutes"),
    ]
