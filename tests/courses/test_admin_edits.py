"""`load_course` refuses to undo edits made in the admin since the last load."""

import io

import pytest
from django.core.management import CommandError, call_command

from courses.loader import AdminEditsError, export_course, load_course
from courses.models import Course, Lesson
from quizzes.models import Answer, Question
from tests.courses.test_loader import LESSON, write_course

pytestmark = pytest.mark.django_db


def test_a_lesson_edited_in_the_admin_is_not_overwritten_and_the_change_is_shown(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    Lesson.objects.filter(slug="first-lesson").update(title="Edited in the admin")
    with pytest.raises(AdminEditsError) as error:
        load_course(root)
    assert error.value.summary() == [
        "lesson:first-lesson: title: admin “Edited in the admin” → files “First lesson”"
    ]
    assert Lesson.objects.get().title == "Edited in the admin"  # nothing was loaded


def test_a_question_edited_in_the_admin_stops_the_command_with_a_clear_message(tmp_path):
    root = write_course(tmp_path / "demo")
    call_command("load_course", str(root), stdout=io.StringIO())
    question = Question.objects.get(idnumber="basics-01")
    Answer.objects.filter(question=question, order=1).update(feedback="Added in the admin.")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="edited in the admin since the last load"):
        call_command("load_course", str(root), stdout=io.StringIO(), stderr=errors)
    assert "question:basics-01: answers:" in errors.getvalue()
    assert Answer.objects.get(question=question, order=1).feedback == "Added in the admin."


def test_force_overwrites_the_admins_edits(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    Lesson.objects.update(title="Edited in the admin")
    out = io.StringIO()
    call_command("load_course", str(root), "--force", stdout=out)
    assert Lesson.objects.get().title == "First lesson"
    assert "Overwrote the admin's edits to lesson:first-lesson" in out.getvalue()


def test_exporting_the_edits_lets_the_next_load_keep_them(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    Lesson.objects.update(title="Edited in the admin")
    export_course(Course.objects.get(), root)
    assert "Edited in the admin" in (root / "lessons/01-first-lesson.md").read_text()
    load_course(root)
    assert Lesson.objects.get().title == "Edited in the admin"


def test_file_changes_to_rows_nobody_edited_still_load(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    (root / "lessons/01-first-lesson.md").write_text(LESSON.replace("First lesson", "Lesson one"))
    load_course(root)
    assert Lesson.objects.get().title == "Lesson one"


def test_an_admin_edit_the_files_agree_with_is_no_conflict(tmp_path):
    root = write_course(tmp_path / "demo")
    load_course(root)
    Lesson.objects.update(title="Lesson one")
    (root / "lessons/01-first-lesson.md").write_text(LESSON.replace("First lesson", "Lesson one"))
    load_course(root)
    assert Lesson.objects.get().title == "Lesson one"
