"""Reading StudyHub's question page like a browser would, for the load generator and the
fault tests: which answer controls it shows, and where a start or answer redirected to.

Pure functions over HTML text; nothing here imports Django or locust.
"""

import html
import random
import re

SEQ = re.compile(r'name="seq" value="(\d+)"')
TOTAL = re.compile(r'<progress value="\d+" max="(\d+)"')
CHOICE = re.compile(r'<input type="(radio|checkbox)" name="choice" value="([^"]+)"')
SELECT = re.compile(r'<select name="match-([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"')
SLOT_URL = re.compile(r"/attempts/(\d+)/q/(\d+)/")


def pick_answer(page: str, rng: random.Random) -> tuple[list[tuple[str, str]], dict] | None:
    """Form fields answering the question on `page`, and that answer as the app stores it
    (see quizzes.models.encode_answer) but with option values where it stores answer-row
    ids (see `as_posted`); None when the page shows no answer form."""
    choices = CHOICE.findall(page)
    if choices:
        values = [v for _, v in choices]
        if choices[0][0] == "radio":
            chosen = rng.choice(values)
            return [("choice", chosen)], {"choice": chosen}
        picked = sorted(rng.sample(values, rng.randint(1, min(2, len(values)))))
        return [("choice", v) for v in picked], {"choices": picked}
    selects = SELECT.findall(page)
    if selects:
        pairs = {}
        for item, options in selects:
            values = [html.unescape(v) for v in OPTION.findall(options) if v]
            pairs[item] = rng.choice(values)
        posted = {"pairs": dict(sorted(pairs.items()))}
        return fields_for(posted), posted
    if 'name="text"' in page:
        text = "40" if 'inputmode="decimal"' in page else rng.choice(["KPO", "BPO", "LPO"])
        return [("text", text)], {"text": text}
    return None


def as_posted(answer: dict, value_of) -> dict:
    """A stored answer in `pick_answer`'s shape: `value_of(id)` gives an answer row's
    option value on the page (quizzes.models.option_value for that slot)."""
    if "choice" in answer:
        return {"choice": value_of(answer["choice"])}
    if "choices" in answer:
        return {"choices": sorted(value_of(i) for i in answer["choices"])}
    if "pairs" in answer:
        return {"pairs": {value_of(int(k)): v for k, v in sorted(answer["pairs"].items())}}
    return answer


def fields_for(posted: dict) -> list[tuple[str, str]]:
    """The POST fields of an answer in `pick_answer`'s shape."""
    if "choice" in posted:
        return [("choice", posted["choice"])]
    if "choices" in posted:
        return [("choice", v) for v in posted["choices"]]
    if "pairs" in posted:
        return [(f"match-{k}", v) for k, v in sorted(posted["pairs"].items())]
    if posted.get("final"):  # a long answer handed in
        return [("text", posted["text"]), ("submit", "1")]
    return [("text", posted["text"])]


def seq(page: str) -> int | None:
    """The sequence number the page's answer form carries (Moodle's sequence check)."""
    match = SEQ.search(page)
    return int(match[1]) if match else None


def total(page: str) -> int | None:
    """How many questions the attempt has, from the page's progress bar."""
    match = TOTAL.search(page)
    return int(match[1]) if match else None


def slot_from(location: str | None) -> tuple[int, int] | None:
    """(attempt id, question number) from a redirect to a question page."""
    match = SLOT_URL.search(location or "")
    return (int(match[1]), int(match[2])) if match else None
