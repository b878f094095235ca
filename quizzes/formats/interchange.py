"""The shape questions take between a file format (GIFT, Aiken) and the database.

Parsers produce `QuestionData`; exporters consume it; `quizzes.importing` turns it into
`Question` and `Answer` rows. It mirrors Moodle's own shape: a question with a kind and a
list of answer rows.
"""

from dataclasses import dataclass, field

# Text formats, as Moodle names them.
MOODLE = "moodle"  # Moodle's auto-format; GIFT's default
HTML = "html"
PLAIN = "plain"
MARKDOWN = "markdown"
FORMATS = (MOODLE, HTML, PLAIN, MARKDOWN)

# Question kinds; the same values as quizzes.models.Question.Kind.
SINGLE = "single"  # multiple choice, one answer (radio buttons)
MULTIPLE = "multiple"  # multiple response (checkboxes)
TRUE_FALSE = "truefalse"
SHORT = "short"
NUMERICAL = "numerical"
MATCHING = "matching"
ESSAY = "essay"  # a long answer, self-marked against a mark scheme
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERICAL, MATCHING, ESSAY)


# The fields every answer row carries, wherever it lives: AnswerData here, the Answer model,
# grading's Option and the frozen options in an attempt's snapshot.
ANSWER_FIELDS = ("text", "fraction", "feedback", "value", "tolerance", "match", "misconception")


@dataclass
class AnswerData:
    """One answer row.

    - single/multiple: `text` is the option, `fraction` its grade share (-1..1).
    - truefalse: exactly two rows, texts "True" and "False"; the right one has fraction 1.
      `feedback` on a row is shown to a learner who picks that row.
    - short: `text` is an accepted answer (may contain Moodle's `*` wildcard).
    - numerical: `value` ± `tolerance`; `text` is the value as written, or "*" for the
      catch-all answer (then `value` is None).
    - matching: `text` is the left-hand item, `match` the right-hand side; a row with an
      empty `text` is an extra wrong right-hand choice (a distractor).
    - essay: each row is one point of the mark scheme. `text` describes the point, `value`
      is its marks (> 0), `match` its key ideas written as in GIFT's ``[point:…]`` line
      ("synonym | synonym ; idea | …", see `quizzes.grading.key_ideas`) and `fraction` its
      share of the question's marks. The model answer is the question's `explanation`.
    """

    text: str = ""
    fraction: float = 0.0
    feedback: str = ""
    text_format: str = MOODLE
    feedback_format: str = MOODLE
    value: float | None = None
    # None for a numerical catch-all ("*") row, which has no tolerance (Moodle: "").
    tolerance: float | None = 0.0
    match: str = ""
    misconception: str = ""


@dataclass
class QuestionData:
    kind: str
    text: str
    title: str = ""
    text_format: str = MOODLE
    explanation: str = ""  # Moodle's general feedback, GIFT's ####
    explanation_format: str = MOODLE
    answers: list[AnswerData] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    idnumber: str = ""
    category: str = ""  # the $CATEGORY: path in force for this question ("" if none)
    lesson: str = ""  # StudyHub extension: "lesson-slug#anchor"
    line: int = 0  # 1-based line where the question starts in its file


@dataclass
class ParseIssue:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


@dataclass
class ParseResult:
    questions: list[QuestionData] = field(default_factory=list)
    errors: list[ParseIssue] = field(default_factory=list)
    warnings: list[ParseIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class NotUTF8Error(ValueError):
    """The file is not UTF-8; GIFT files must be (Moodle refuses them the same way)."""
