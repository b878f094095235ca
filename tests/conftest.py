import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("STUDYHUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MOBILE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in the test thread; the ORM calls our tests make
# beside it are still synchronous, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without a collectstatic manifest, and hash passwords fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """A clean default cache, and rate limits that start from zero in every test.

    The rate-limit store is the database cache, whose table `flush` leaves alone: a fresh
    key prefix per test keeps one test's counts from reaching the next.
    """
    from django.core.cache import cache

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "KEY_PREFIX": uuid.uuid4().hex},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A live server that serves static files the production way: whitenoise, compressed.

    pytest-django's own live server serves static files uncompressed through Django, which
    would make the page-weight figures the browser tests report meaningless.
    """
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from pytest_django.live_server_helper import LiveServer

    static_root = tmp_path_factory.mktemp("static")
    settings.STATIC_ROOT = static_root
    _collect_compressed(static_root)
    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"), start=False)
    server.thread.static_handler = lambda _media_handler: get_wsgi_application()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(static_root, ignore_errors=True)


def _collect_compressed(static_root: Path) -> None:
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page (390×844) on the live server."""
    context = browser.new_context(viewport=MOBILE, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)  # a busy machine: generous, never flaky
    yield page
    context.close()
