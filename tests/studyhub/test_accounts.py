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


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, moved by hand."""
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "now", lambda: now[0])
    return now


def test_login_throttling_kicks_in_and_then_lifts(client, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="ravi")

    for _ in range(3):
        assert b"Please enter a correct username" in login(client, "ravi", "wrong").content
    # Locked: even the right password is refused during the cool-off, with a clear message.
    locked = login(client, "ravi", PASSWORD)
    assert locked.status_code == 200
    assert b"Too many failed sign-ins. Please wait 10 minutes" in locked.content

    clock[0] += 601
    assert login(client, "ravi", PASSWORD).status_code == 302


def test_the_cool_off_is_counted_from_the_last_failure(client, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="ravi")
    for step in (0, 400, 500):  # spread over more than one clock window of the old limiter
        clock[0] += step
        login(client, "ravi", "wrong")
    clock[0] += 599  # 599 s after the last failure, 1,499 s after the first
    assert b"Too many failed sign-ins" in login(client, "ravi", PASSWORD).content
    clock[0] += 2
    assert login(client, "ravi", PASSWORD).status_code == 302


def test_failures_that_cool_off_start_a_new_count(client, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="ravi")
    for _ in range(2):
        login(client, "ravi", "wrong")
    clock[0] += 601
    for _ in range(2):
        login(client, "ravi", "wrong")
    assert login(client, "ravi", PASSWORD).status_code == 302


def test_an_attacker_cannot_lock_a_classmate_out_from_another_ip(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="meera")
    for _ in range(5):
        login(client, "meera", "guess", ip="203.0.113.9")
    assert b"Too many failed" in login(client, "meera", PASSWORD, ip="203.0.113.9").content
    assert login(client, "meera", PASSWORD, ip="10.1.2.3").status_code == 302


def test_one_address_trying_many_usernames_is_locked_out(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (4, 600, "cooloff")}
    UserFactory(username="meera")
    for name in ("a", "b", "c", "d"):
        login(client, name, "guess", ip="203.0.113.9")
    assert b"Too many failed" in login(client, "meera", PASSWORD, ip="203.0.113.9").content
    assert login(client, "meera", PASSWORD, ip="10.1.2.3").status_code == 302


def test_usernames_differing_in_case_share_one_count(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (2, 600, "cooloff")}
    UserFactory(username="ravi")
    login(client, "Ravi", "wrong")
    login(client, "RAVI", "wrong")
    assert b"Too many failed" in login(client, "ravi", PASSWORD).content


def test_the_admin_login_is_throttled(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(3):
        response = client.post(
            "/admin/login/", {"username": "boss", "password": "guess"}, REMOTE_ADDR="10.0.0.7"
        )
        assert b"Please enter the correct username" in response.content
    locked = client.post(
        "/admin/login/", {"username": "boss", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session
    # Site and admin share one count: the site login is locked for the pair too.
    assert b"Too many failed" in login(client, "boss", PASSWORD, ip="10.0.0.7").content


def test_limits_live_in_a_database_table_that_every_worker_shares(settings):
    from django.core.cache import caches

    from studyhub.cache import DatabaseCache

    limit = ratelimit.limit("login")
    limit.hit("ravi|10.0.0.1")
    # Another process builds its own cache object from the same settings: it sees the count.
    other = DatabaseCache(
        settings.CACHES["ratelimit"]["LOCATION"],
        {"KEY_PREFIX": settings.CACHES["ratelimit"]["KEY_PREFIX"]},
    )
    assert isinstance(caches["ratelimit"], DatabaseCache)
    assert other.get(limit._key("ravi|10.0.0.1")) == 1


def test_migrate_makes_the_rate_limit_table(transactional_db):
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE studyhub_ratelimit")
    call_command("migrate", verbosity=0)
    assert "studyhub_ratelimit" in connection.introspection.table_names()
    call_command("migrate", verbosity=0)  # and again: an existing table is left alone
    assert ratelimit.limit("login").hit("ravi|10.0.0.1") == 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.1"),  # no proxy: the header is the client's to forge
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.1, 172.16.0.2", "198.51.100.1"),
        (2, "172.16.0.2", "10.0.0.1"),  # fewer entries than proxies: bypassed a proxy
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_the_trusted_proxies(
    rf, settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_an_ipv6_client_is_counted_by_its_slash_64():
    assert ratelimit.address_key("2001:db8:1:2::1") == ratelimit.address_key("2001:db8:1:2:ff::9")
    assert ratelimit.address_key("2001:db8:1:2::1") != ratelimit.address_key("2001:db8:1:3::1")
    assert ratelimit.address_key("::ffff:198.51.100.1") == "198.51.100.1"


def test_behind_a_proxy_failures_count_per_forwarded_address(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 600, "cooloff")}
    UserFactory(username="meera")

    def via_proxy(password, forwarded):
        return client.post(
            "/accounts/login/",
            {"username": "meera", "password": password},
            REMOTE_ADDR="10.0.0.2",  # the load balancer, the same for everyone
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for _ in range(3):
        via_proxy("guess", "203.0.113.9")
    assert b"Too many failed" in via_proxy(PASSWORD, "203.0.113.9").content
    # Forging the header does not help: the proxy appends the real address after it.
    assert b"Too many failed" in via_proxy(PASSWORD, "10.1.2.3, 203.0.113.9").content
    assert via_proxy(PASSWORD, "198.51.100.20").status_code == 302


def test_password_reset_mails_are_limited_per_address_and_per_mailbox(client, settings, mailoutbox):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (2, 3600)}
    UserFactory(username="kiran", email="kiran@example.com")
    UserFactory(username="asha", email="asha@example.com")

    def reset(email, ip):
        return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ip)

    assert reset("kiran@example.com", "10.0.0.1").status_code == 302
    assert reset("KIRAN@example.com", "10.0.0.2").status_code == 302
    refused = reset("kiran@example.com", "10.0.0.3")  # a third mail to the same mailbox
    assert refused.status_code == 200
    assert b"Too many password-reset requests" in refused.content
    assert reset("asha@example.com", "10.0.0.1").status_code == 302
    refused = reset("nobody@example.com", "10.0.0.1")  # a third request from one address
    assert b"Too many password-reset requests" in refused.content
    assert len(mailoutbox) == 3


def test_signups_are_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (2, 3600)}

    def signup(name, ip):
        client.logout()
        return client.post(
            "/accounts/signup/",
            {
                "username": name,
                "password1": "s3cret-Pass-phrase",
                "password2": "s3cret-Pass-phrase",
            },
            REMOTE_ADDR=ip,
        )

    assert signup("one", "10.0.0.1").status_code == 302
    assert signup("two", "10.0.0.1").status_code == 302
    refused = signup("three", "10.0.0.1")
    assert refused.status_code == 429
    assert b"Too many accounts were created from your network" in refused.content
    assert not get_user_model().objects.filter(username="three").exists()
    assert signup("three", "10.0.0.2").status_code == 302


def test_signup_refuses_an_email_address_another_account_uses(client):
    UserFactory(username="kiran", email="Kiran@Example.com")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "impostor",
            "email": "kiran@example.COM",
            "password1": "s3cret-Pass-phrase",
            "password2": "s3cret-Pass-phrase",
        },
    )
    assert response.status_code == 200
    assert b"An account already uses this e-mail address" in response.content
    assert not get_user_model().objects.filter(username="impostor").exists()


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
