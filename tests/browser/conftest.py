"""Helpers for the browser tests.

A click that navigates returns once the new document has *started* loading, when it may still
be empty. So nothing here reads the page without waiting first: `expect(...)` assertions retry,
and the helpers below wait for the document's load event before they evaluate anything.
"""

import json
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# A busy machine (CI, one core kept busy) can take seconds to render a page: never flaky.
expect.set_options(timeout=20_000)


def loaded(page):
    """The page, once its current document has fired its load event."""
    page.wait_for_load_state("load")
    return page


def scroll_width(page) -> int:
    """How wide the loaded page is; more than the viewport means it scrolls sideways."""
    return loaded(page).evaluate("document.documentElement.scrollWidth")


def axe_violations(page) -> list[str]:
    """Run axe-core on the current page; return one readable line per violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(loaded(page))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


def page_weight(page) -> dict:
    """What the browser fetched for the current page: bytes on the wire and request count."""
    entries = loaded(page).evaluate(
        """() => [...performance.getEntriesByType('navigation'),
                 ...performance.getEntriesByType('resource')].map(e => ({
            name: e.name, type: e.initiatorType || 'navigation',
            transfer: e.transferSize, body: e.encodedBodySize, decoded: e.decodedBodySize}))"""
    )
    return {
        "requests": len(entries),
        "transfer_bytes": sum(e["transfer"] for e in entries),
        "body_bytes": sum(e["body"] for e in entries),
        "decoded_bytes": sum(e["decoded"] for e in entries),
        "script_bytes": sum(e["body"] for e in entries if e["name"].endswith(".js")),
        "entries": entries,
    }


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll a JavaScript expression until it is true.

    Playwright's wait_for_function compiles its predicate with eval() in the page, which our
    Content-Security-Policy (no 'unsafe-eval') rightly blocks; page.evaluate does not.
    """
    deadline = time.monotonic() + timeout
    while not loaded(page).evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def report(name: str, figures: dict) -> None:
    """Print a measured figure so `pytest -s` (and CI logs) show it."""
    shown = {k: v for k, v in figures.items() if k != "entries"}
    print(f"\n[measure] {name}: {json.dumps(shown)}")
