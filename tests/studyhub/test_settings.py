import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "prod-" + "k3y-with-enough-entropy-xq81mZ0p9LrT6vW2sYb4nC7dF5gH1jK",
    "DJANGO_ALLOWED_HOSTS": "studyhub.example.com",
}


def run_with_production_settings(*args: str, **extra_env) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV, **extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_with_no_issues():
    result = run_with_production_settings("manage.py", "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_responses_carry_a_strict_content_security_policy(tmp_path):
    collected = run_with_production_settings(
        "manage.py", "collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(tmp_path)
    )
    assert collected.returncode == 0, collected.stderr
    # Whitenoise compressed and hashed the files.
    assert list(tmp_path.glob("studyhub/site.*.css.br"))
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/accounts/login/', secure=True, HTTP_HOST='studyhub.example.com');"
        "print(r.status_code); print(r.headers['Content-Security-Policy'])"
    )
    env_script = [
        "-c",
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='studyhub.settings';" + script,
    ]
    result = run_with_production_settings(*env_script, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    status, policy = result.stdout.strip().splitlines()[-2:]
    assert status == "200"
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_page_sends_the_csp_header(client, db):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_sqlite_uses_wal_and_immediate_transactions(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        return  # the PostgreSQL pass has nothing to check here
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def _cache_settings(**extra_env) -> list[str]:
    script = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='studyhub.settings';"
        "from django.conf import settings;"
        "print(settings.SESSION_ENGINE);"
        "print(settings.CACHES['ratelimit']['BACKEND']);"
        "print(settings.CACHES['content']['BACKEND'])"
    )
    result = run_with_production_settings("-c", script, **extra_env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_shared_cache_serves_sessions_rate_limits_and_the_content_generation():
    session, ratelimit, content = _cache_settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert session == "django.contrib.sessions.backends.cached_db"
    assert ratelimit == content == "django.core.cache.backends.redis.RedisCache"


def test_without_a_shared_cache_sessions_and_caches_live_in_the_database():
    # cached_db over a per-process cache would serve a logged-out session from memory.
    session, ratelimit, content = _cache_settings(REDIS_URL="")
    assert session == "django.contrib.sessions.backends.db"
    assert ratelimit == content == "studyhub.cache.DatabaseCache"
