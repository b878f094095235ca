"""Markdown rendering for lessons, FAQ answers and question texts.

CommonMark with tables; raw HTML is *not* passed through (`html: False`), so author text
can never inject markup and no sanitizer is needed. Headings get stable ids from their text,
which is what question links ("Revise this") point at.

One extension, for self-tests whose answers stay hidden until tapped (no script needed):

    ::: details What does KPO stand for?
    Knowledge Process Outsourcing.
    :::

renders as `<details><summary>What does KPO stand for?</summary><p>Knowledge…</p></details>`.
The summary is inline Markdown and the body block Markdown, both through the same escaping
renderer, so the extension adds exactly two tags and no way to inject others.
"""

import html
import math
import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import strip_tags
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

WORDS_PER_MINUTE = 200


def slugify_heading(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s_]+", "-", text).strip("-") or "section"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    words: int

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.validateLink = _safe_link
    alt = ["paragraph", "reference", "blockquote", "list"]
    md.block.ruler.before("fence", "details", _details_block, {"alt": alt})
    return md


_DETAILS_OPEN = re.compile(r"^:::[ \t]*details[ \t]+(\S.*?)[ \t]*$")
_DETAILS_CLOSE = re.compile(r"^:::[ \t]*$")


def _details_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`::: details SUMMARY` … `:::` → a <details> block (unclosed: runs to the end)."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    opened = _DETAILS_OPEN.match(first)
    if not opened:
        return False
    if silent:
        return True
    line = start + 1
    closed = False
    while line < end:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if state.sCount[line] < state.blkIndent and text:
            break  # dedented out of the enclosing list item or blockquote
        if state.sCount[line] - state.blkIndent < 4 and _DETAILS_CLOSE.match(text):
            closed = True
            break
        line += 1
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "details"  # type: ignore[assignment]
    state.lineMax = line
    token = state.push("details_open", "details", 1)
    token.block, token.map = True, [start, line]
    state.push("summary_open", "summary", 1)
    token = state.push("inline", "", 0)
    token.content, token.map, token.children = opened.group(1), [start, start], []
    state.push("summary_close", "summary", -1)
    state.md.block.tokenize(state, start + 1, line)
    state.push("details_close", "details", -1).block = True
    state.parentType, state.lineMax = old_parent, old_max
    state.line = line + 1 if closed else line
    return True


def _safe_link(url: str) -> bool:
    # Only relative links, in-page anchors and web/mail links: no javascript:, data:, etc.
    return bool(re.match(r"^(https?:|mailto:|/|#|\.\.?/|[\w-]+(/|$|#|\.))", url.strip(), re.I))


_MD = _parser()


def _label_table_cells(tokens: list[Token]) -> None:
    """Give each body cell a data-label with its column header, for narrow-screen cards."""
    headers: list[str] = []
    col = 0
    in_head = False
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            tok.attrSet("class", "table")
            headers = []
        elif tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            col = 0
        elif tok.type == "th_open" and in_head:
            headers.append(tokens[i + 1].content if tokens[i + 1].type == "inline" else "")
        elif tok.type == "td_open":
            if col < len(headers) and headers[col]:
                tok.attrSet("data-label", headers[col])
            col += 1


def _anchor_headings(tokens: list[Token]) -> tuple[Heading, ...]:
    seen: dict[str, int] = {}
    headings = []
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        text = tokens[i + 1].content
        anchor = slugify_heading(text)
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 1
        tok.attrSet("id", anchor)
        headings.append(Heading(int(tok.tag[1]), text, anchor))
    return tuple(headings)


def render(text: str, *, top_level: int = 1) -> Rendered:
    """Render Markdown to safe HTML, collecting headings (with anchors) and a word count.

    Headings above `top_level` are demoted to it (2 turns a stray `#` into `<h2>`), so a
    lesson body never competes with the page's own `<h1>`.
    """
    env: dict = {}
    tokens = _MD.parse(text or "", env)
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close") and int(tok.tag[1]) < top_level:
            tok.tag = f"h{top_level}"
    headings = _anchor_headings(tokens)
    _label_table_cells(tokens)
    body = _MD.renderer.render(tokens, _MD.options, env)
    words = len(re.findall(r"\w+", text or ""))
    return Rendered(body, headings, words)


def render_html(text: str) -> str:
    return render(text).html


def render_inline(text: str) -> str:
    """Render one line of Markdown (no paragraph wrapper), e.g. an answer option."""
    return _MD.renderInline(text or "")


def plain_text(value: str) -> str:
    """Escape plain text and keep its line breaks."""
    return html.escape(value or "").replace("\n", "<br>")


def render_text(text: str, text_format: str) -> str:
    """Render question and feedback text by its Moodle format, always to safe HTML.

    Markdown renders as Markdown. HTML and Moodle auto-format text may come from imported
    files, so its tags are removed (we never pass author HTML through) and the rest is
    read as Markdown. Plain text is escaped with its line breaks kept.
    """
    if text_format == "plain":
        return f"<p>{plain_text(text)}</p>" if text else ""
    if text_format in ("html", "moodle"):
        text = html.unescape(strip_tags(text or ""))
    return render_html(text)


def render_text_inline(text: str, text_format: str) -> str:
    """Like render_text, for short texts such as options: no paragraph wrapper."""
    if text_format == "plain":
        return plain_text(text)
    if text_format in ("html", "moodle"):
        text = html.unescape(strip_tags(text or ""))
    return render_inline(text)
