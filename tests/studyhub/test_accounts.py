import pytest
from django.contrib.auth import get_user_model

from studyhub import ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "asha",
            "email": "asha@example.com",
            "password1": "s3cret-Pass-phrase",
            "password2": "s3cret-Pass-phrase",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="asha").exists()
    assert client.get("/").context["user"].username == "asha"


def test_signup_with_mismatched_passwords_shows_an_error(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "asha", "password1": "s3cret-Pass-phrase", "password2": "other-Pass-phrase"},
    )
    assert response.status_code == 200
    assert b"password fields didn" in response.content
    assert not get_user_model().objects.filter(username="asha").exists()


def test_signup_ignores_an_offsite_next_url(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example.com/",
        {
            "username": "asha",
            "password1": "s3cret-Pass-phrase",
            "password2": "s3cret-Pass-phrase",
            "next": "https://evil.example.com/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_and_logout(client):
    UserFactory(username="ravi")
    assert login(client, "ravi", PASSWORD).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_login_throttling_kicks_in_and_then_lifts(client, settings, monkeypatch):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600)}
    UserFactory(username="ravi")
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "now", lambda: clock[0])

    for _ in range(3):
        assert b"Please enter a correct username" in login(client, "ravi", "wrong").content
    # Locked: even the right password is refused during the cool-off, with a clear message.
    locked = login(client, "ravi", PASSWORD)
    assert locked.status_code == 200
    assert b"Too many failed sign-ins" in locked.content

    clock[0] += 601
    assert login(client, "ravi", PASSWORD).status_code == 302


def test_an_attacker_cannot_lock_a_classmate_out_from_another_ip(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600)}
    UserFactory(username="meera")
    for _ in range(5):
        login(client, "meera", "guess", ip="203.0.113.9")
    assert b"Too many failed" in login(client, "meera", PASSWORD, ip="203.0.113.9").content
    assert login(client, "meera", PASSWORD, ip="10.1.2.3").status_code == 302


def test_password_reset_sends_an_email(client, mailoutbox):
    UserFactory(username="kiran", email="kiran@example.com")
    response = client.post("/accounts/password_reset/", {"email": "kiran@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_password_change_needs_login_and_works(client):
    user = UserFactory(username="dev")
    assert client.get("/accounts/password_change/").status_code == 302
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "N3w-pass-phrase!",
            "new_password2": "N3w-pass-phrase!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("N3w-pass-phrase!")
