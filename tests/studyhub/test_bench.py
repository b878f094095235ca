"""The benchmark's reference pages (studyhub/bench.py), called directly: their URLs are
mounted only when STUDYHUB_BENCH=1, which the test settings never set."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from studyhub import bench
from tests.bench.harness import CpuSampler
from tests.bench.run import settle_database
from tests.factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(rf, user):
    request = rf.get("/bench/shell")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_shell_is_the_base_template_for_a_signed_in_user(rf):
    response = bench.shell(_request(rf, UserFactory()))
    assert response.status_code == 200
    assert b"Log out" in response.content
    assert b'id="main"' in response.content


def test_shell_sends_a_visitor_to_log_in(rf):
    response = bench.shell(_request(rf, AnonymousUser()))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_bench_pages_are_not_mounted_outside_the_benchmark(client):
    assert client.get("/bench/shell").status_code == 404
    assert client.get("/bench/baseline").status_code == 404


def test_cpu_sampler_interpolates_between_samples():
    sampler = CpuSampler([])
    sampler.samples = [(10.0, 1.0), (11.0, 3.0), (12.0, 3.5)]
    assert sampler.used(10.5, 11.5) == pytest.approx(1.25)
    assert sampler.used(9.0, 13.0) == pytest.approx(2.5)  # clamped to the first and last


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction
def test_bench_gives_postgresql_statistics_for_the_bulk_loaded_rows():
    LearnerFactory.create_batch(3)
    done = settle_database()
    if connection.vendor != "postgresql":
        assert done == ""  # SQLite is measured as it was
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'quizzes_learner'")
        # -1 means never vacuumed or analyzed: the planner would guess.
        assert cursor.fetchone()[0] == 3
