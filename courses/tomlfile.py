"""Reading TOML with line numbers for errors, and writing it back canonically.

`tomllib` reports syntax errors with a line, but not where a key sits; `locate` finds it
by scanning the text so that a semantic error can still say "course.toml:42". The writer
covers the few shapes our content files use (strings, integers, string lists, arrays of
tables) and always lays them out the same way, so load → export gives identical files;
tomli-w writes every value, so the output is always TOML that tomllib accepts.
"""

import re
import tomllib
from typing import Any

import tomli_w

LINE_RE = re.compile(r"at line (\d+)")


class TomlError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def loads(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None:
            found = LINE_RE.search(str(exc))
            line = int(found.group(1)) if found else 1
        message = getattr(exc, "msg", None) or LINE_RE.sub("", str(exc)).strip(" ()")
        raise TomlError(line, f"invalid TOML: {message}") from None


def locate(text: str, table: str | None = None, index: int = 0, key: str | None = None) -> int:
    """The 1-based line of `[[table]]` number `index` (or of the top level), or of `key` in it."""
    lines = text.splitlines()
    start = 0
    if table is not None:
        headers = [i for i, line in enumerate(lines) if line.strip() == f"[[{table}]]"]
        if index >= len(headers):
            return len(lines) or 1
        start = headers[index]
    if key is None:
        return start + 1
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("[") and table is not None:
            break
        if key_re.match(lines[i]):
            return i + 1
    return start + 1


def value(v: Any) -> str:
    """One TOML value. tomli-w writes every scalar, so whatever a string holds (control
    characters, quotes, backslashes, DEL) comes out escaped the way tomllib reads it back;
    only the layout of lists is ours: on one line when short, else one item a line."""
    if isinstance(v, list):
        if not v:
            return "[]"
        items = [value(item) for item in v]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80 and all("\n" not in i for i in items):
            return one_line
        return "[\n" + "".join(f"  {item},\n" for item in items) + "]"
    if not isinstance(v, str | int | bool):
        raise TypeError(f"cannot write {type(v).__name__} to TOML")
    text = tomli_w.dumps({"v": v}, multiline_strings=True).removeprefix("v = ")[:-1]
    if text.startswith('"""') and not v.endswith("\n"):
        # End on a line of its own: a line-ending backslash adds nothing to the value.
        text = text[:-3] + '\\\n"""'
    return text


def dumps_table(data: dict[str, Any]) -> str:
    """key = value lines, skipping None and empty strings."""
    return "".join(f"{k} = {value(v)}\n" for k, v in data.items() if v is not None and v != "")


def dumps(top: dict[str, Any], arrays: dict[str, list[dict[str, Any]]]) -> str:
    parts = [dumps_table(top)] if top else []
    for name, rows in arrays.items():
        for row in rows:
            parts.append(f"[[{name}]]\n" + dumps_table(row))
    return "\n".join(parts)
