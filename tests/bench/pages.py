"""Reading StudyHub's question page like a browser would, for the load generator and the
fault tests: which answer controls it shows, and where a start or answer redirected to.

Pure functions over HTML text; nothing here imports Django or locust.
"""

import html
import random
import re

SEQ = re.compile(r'name="seq" value="(\d+)"')
TOTAL = re.compile(r'<progress value="\d+" max="(\d+)"')
CHOICE = re.compile(r'<input type="(radio|checkbox)" name="choice" value="(\d+)"')
SELECT = re.compile(r'<select name="match-(\d+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"')
SLOT_URL = re.compile(r"/attempts/(\d+)/q/(\d+)/")


def pick_answer(page: str, rng: random.Random) -> tuple[list[tuple[str, str]], dict] | None:
    """Form fields answering the question on `page`, and that answer as the app stores it
    (see quizzes.models.encode_answer); None when the page shows no answer form."""
    choices = CHOICE.findall(page)
    if choices:
        ids = [int(v) for _, v in choices]
        if choices[0][0] == "radio":
            chosen = rng.choice(ids)
            return [("choice", str(chosen))], {"choice": chosen}
        picked = sorted(rng.sample(ids, rng.randint(1, min(2, len(ids)))))
        return [("choice", str(i)) for i in picked], {"choices": picked}
    selects = SELECT.findall(page)
    if selects:
        pairs = {}
        for item, options in selects:
            values = [html.unescape(v) for v in OPTION.findall(options) if v]
            pairs[int(item)] = rng.choice(values)
        fields = [(f"match-{k}", v) for k, v in sorted(pairs.items())]
        return fields, {"pairs": {str(k): v for k, v in sorted(pairs.items())}}
    if 'name="text"' in page:
        text = "40" if 'inputmode="decimal"' in page else rng.choice(["KPO", "BPO", "LPO"])
        return [("text", text)], {"text": text}
    return None


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
