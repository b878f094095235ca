from django.db import migrations, models

from quizzes import grading

# The answer-row fields grading reads, as stored in a slot's snapshot options.
ANSWER_FIELDS = ("text", "fraction", "feedback", "value", "tolerance", "match", "misconception")
BATCH = 500


def _decode(kind, stored):
    # Frozen copy of models.decode_answer as it was when this migration was written.
    if kind in ("single", "truefalse"):
        return stored.get("choice")
    if kind == "multiple":
        return frozenset(stored.get("choices", ()))
    if kind == "matching":
        return {int(k): v for k, v in stored.get("pairs", {}).items()}
    return stored.get("text", "")


def store_outcomes(apps, schema_editor):
    """Graded responses get the feedback, hint and matched rows their review showed.

    Until now these were recomputed from the slot's frozen snapshot each time a review was
    shown, so computing them once more here stores exactly what learners were being shown.
    The stored fraction is kept as it is.
    """
    Response = apps.get_model("quizzes", "Response")
    graded = Response.objects.filter(fraction__isnull=False).select_related("slot").order_by("pk")
    batch = []
    for response in graded.iterator(chunk_size=BATCH):
        snapshot = response.slot.snapshot
        gradable = grading.Gradable(
            snapshot["kind"],
            tuple(
                grading.Option(id=o["id"], **{f: o[f] for f in ANSWER_FIELDS if f in o})
                for o in snapshot["options"]
            ),
        )
        try:
            outcome = grading.grade(gradable, _decode(snapshot["kind"], response.answer))
        except (TypeError, ValueError):
            continue  # an answer grading no longer accepts: leave its outcome empty
        response.feedback = list(outcome.feedback)
        response.hint = outcome.hint
        response.matched = list(outcome.matched)
        batch.append(response)
        if len(batch) >= BATCH:
            Response.objects.bulk_update(batch, ["feedback", "hint", "matched"])
            batch = []
    Response.objects.bulk_update(batch, ["feedback", "hint", "matched"])


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0007_question_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="retired",
            field=models.BooleanField(
                default=False,
                help_text="Retired questions are left out of new attempts; past answers keep them.",
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="feedback",
            field=models.JSONField(
                blank=True, default=list, help_text="Feedback shown with the grade (HTML), in order."
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="hint",
            field=models.TextField(blank=True, help_text="The hint shown with the grade."),
        ),
        migrations.AddField(
            model_name="response",
            name="matched",
            field=models.JSONField(
                blank=True, default=list, help_text="Ids of the answer rows selected or matched."
            ),
        ),
        migrations.RunPython(store_outcomes, migrations.RunPython.noop, elidable=True),
    ]
