"""Learner-facing views of the quizzes app.

- `taking`: quizzes, attempts (practice and exam), review and history.
- `dashboard`: progress per topic, spaced review sessions, exam day, the learner's data.
- `classes`: joining and leaving an instructor's class.

Instructor pages (class reports, item analysis, imports) live in the admin (quizzes/admin/).
"""
