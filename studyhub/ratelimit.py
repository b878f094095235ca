"""Fixed-window rate limits kept in Django's cache (Redis when REDIS_URL is set).

One place for every limit in the project: login failures, attempt starts, answer posts.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def now() -> float:
    """The clock, a function so tests can move it."""
    return time.time()


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds

    def _key(self, ident: str) -> tuple[str, int]:
        bucket = int(now() // self.window)
        return f"rl:{self.scope}:{ident}:{bucket}", bucket

    def count(self, ident: str) -> int:
        key, _ = self._key(ident)
        return cache.get(key, 0)

    def hit(self, ident: str) -> int:
        """Record one event and return the count in the current window."""
        key, _ = self._key(ident)
        if cache.add(key, 1, timeout=self.window + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=self.window + 1)
            return 1

    def exceeded(self, ident: str) -> bool:
        return self.count(ident) >= self.limit

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        _, bucket = self._key("")
        return max(1, int((bucket + 1) * self.window - now()))


def limit(scope: str) -> Limit:
    """The limit configured for `scope` in settings.RATE_LIMITS: (events, window seconds)."""
    events, window = settings.RATE_LIMITS[scope]
    return Limit(scope, events, window)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")
