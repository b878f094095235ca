"""The instructors' admin, one module per concern; importing them registers their ModelAdmins."""

from quizzes.admin import attempts, classes, imports, questions, quizzes

__all__ = ["attempts", "classes", "imports", "questions", "quizzes"]
