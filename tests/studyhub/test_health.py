from contextlib import contextmanager

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.fixture
def database_down(monkeypatch):
    """A context in which every new cursor fails as if the database server were gone."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    @contextmanager
    def down():
        with monkeypatch.context() as patch:
            patch.setattr(BaseDatabaseWrapper, "cursor", refuse)
            yield

    return down


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_healthz_says_503_when_the_database_is_down(client, db, database_down):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_pages_answer_a_friendly_503_when_the_database_is_down(client, db, database_down):
    with database_down():
        response = client.get("/")
    assert response.status_code == 503
    assert b"Back in a moment" in response.content
    assert response.headers["Retry-After"] == "5"
