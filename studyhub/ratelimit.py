"""One limiter for the whole project, kept in a store every worker and server shares.

The store is the `ratelimit` cache: Redis when REDIS_URL is set, otherwise Django's database
cache (studyhub.cache.DatabaseCache, whose table `migrate` creates). Two kinds of limit:

- a **rate** (attempt starts, answer posts, password-reset mails, sign-ups): at most `limit`
  events per clock window of `window` seconds;
- a **cool-off** (failed sign-ins): `limit` failures lock the key until `window` seconds
  after the *last* failure, so the lock always lasts the full cool-off.

Scopes are configured in settings.RATE_LIMITS. Identities are hashed before they become
keys: no username or address is stored in the cache, and any text makes a valid key.
"""

import contextlib
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import router, transaction

COOLOFF = "cooloff"


def now() -> float:
    """The clock, a function so tests can move it."""
    return time.time()


def store():
    return caches["ratelimit"]


def _one_transaction(cache):
    """A transaction for the database cache's writes to join (they add no savepoint)."""
    model = getattr(cache, "cache_model_class", None)
    if model is None:
        return contextlib.nullcontext()
    return transaction.atomic(using=router.db_for_write(model), savepoint=False)


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds
    cooloff: bool = False

    def _key(self, ident: str) -> str:
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        if self.cooloff:
            return f"rl:{self.scope}:{digest}"
        return f"rl:{self.scope}:{digest}:{int(now() // self.window)}"

    def _last(self, key: str) -> float | None:
        """When the current cool-off streak last grew, or None if it is over."""
        last = store().get(f"{key}:last")
        return last if last is not None and now() - last < self.window else None

    def count(self, ident: str) -> int:
        key = self._key(ident)
        if self.cooloff and self._last(key) is None:
            return 0
        return store().get(key, 0)

    def hit(self, ident: str) -> int:
        """Record one event and return the count it brings the key to."""
        key, cache = self._key(ident), store()
        timeout = self.window + 60  # the cache forgets a key a little after it stops mattering
        if self.cooloff:
            if self._last(key) is None:
                cache.delete(key)  # the previous streak cooled off: start a new one
            cache.set(f"{key}:last", now(), timeout=timeout)
        # Most hits find the key: count first, create it only when it is missing; over the
        # database cache, both in one transaction (one BEGIN and COMMIT, not two).
        with _one_transaction(cache):
            return self._count(cache, key, timeout)

    def _count(self, cache, key: str, timeout: int) -> int:
        for _ in range(3):
            try:
                count = cache.incr(key)
            except ValueError:
                if cache.add(key, 1, timeout=timeout):
                    return 1
                continue  # another worker created it just now: count on it
            if self.cooloff:
                cache.touch(key, timeout)  # the streak's key lives on while it grows
            return count
        return self.limit + 1  # the store is not answering straight: refuse, safely

    def exceeded(self, ident: str) -> bool:
        return self.count(ident) >= self.limit

    def retry_after(self, ident: str) -> int:
        """Whole seconds until `ident` may try again (at least 1)."""
        if self.cooloff:
            last = self._last(self._key(ident))
            ends = self.window + (last if last is not None else now())
        else:
            ends = (int(now() // self.window) + 1) * self.window
        return max(1, math.ceil(ends - now()))

    def wait_message(self, ident: str) -> str:
        seconds = self.retry_after(ident)
        if seconds < 120:
            return f"{seconds} second{'s' if seconds != 1 else ''}"
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minutes"


def limit(scope: str) -> Limit:
    """The limit configured for `scope` in settings.RATE_LIMITS: (events, seconds[, kind])."""
    events, window, *kind = settings.RATE_LIMITS[scope]
    return Limit(scope, events, window, cooloff=COOLOFF in kind)


def client_ip(request) -> str:
    """The address of the client, as the outermost of our trusted proxies saw it.

    With settings.TRUSTED_PROXIES = N (0 by default), each of the N proxies in front of the
    app appends the address it received the request from to X-Forwarded-For, and the nearest
    one connects to us (REMOTE_ADDR). So the client is the N-th entry from the right: skip
    the N-1 rightmost entries, which the inner proxies wrote about each other, and take the
    next. Entries further left came from the client and are never trusted. With N = 0, or a
    header too short or unparsable (a request that bypassed a proxy), REMOTE_ADDR is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def address_key(ip: str) -> str:
    """The key for per-address limits: an IPv6 client owns a whole /64, so count it as one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
