"""Question interchange formats: GIFT, Aiken, and the shapes they share (``interchange``).

Pure Python, no Django imports (like ``quizzes.grading``), so parsers and writers are
tested without a database.
"""
