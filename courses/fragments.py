"""Content that changes only when it is edited, rendered once and cached until then.

The lesson body and the course outline are the same for every learner until an editor saves
something, so their pages keep them in Django's cache. Every key carries the current
*content generation*, a token kept in the shared cache (`settings.CONTENT_GENERATION_CACHE`,
the backend the rate limits use: Redis with REDIS_URL, otherwise the database), and
`invalidate()` replaces the token: every worker and server then misses and renders afresh.
The fragments themselves may sit in a per-process cache (`settings.CONTENT_FRAGMENT_CACHE`),
since an old generation's entries are never read again and simply age out.

Who invalidates: a save or delete of any course content, question, quiz or quiz question
(signals connected in each app's `ready()`, which covers the admin), and `load_course` once
at the end (it also writes with bulk queries that send no signals).
"""

import threading
from collections.abc import Callable, Iterable
from secrets import token_hex
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

GENERATION_KEY = "content:generation"


class _State(threading.local):
    built = False  # whether this thread cached a fragment since its last bump (`invalidate`)


_local_state = _State()
TIMEOUT = 60 * 60 * 24  # a day: memory is bounded even if nothing is ever edited


def _shared():
    return caches[getattr(settings, "CONTENT_GENERATION_CACHE", "default")]


def _local():
    return caches[getattr(settings, "CONTENT_FRAGMENT_CACHE", "default")]


def generation() -> str:
    """The current content generation: "0" until the first edit replaces it.

    Reading never writes (a database cache's add costs three queries). The token is stored
    without expiry; only an evicting Redis could drop it, and then fragments at most a day
    old (TIMEOUT) under "0" could show until the next edit.
    """
    return _shared().get(GENERATION_KEY) or "0"


def invalidate(*args, **kwargs) -> None:
    """Retire every cached fragment now, and again when the current transaction commits.

    Usable as a signal receiver. The second bump matters: a page rendered between the
    first one and the commit would cache the old content under the new generation. Within
    one transaction a call bumps only if this process cached something since the last bump
    (an import saving 2,000 questions writes the token twice, not 4,000 times).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump()
        return
    pending = any(entry[1] is _bump for entry in connection.run_on_commit)
    if pending and not _local_state.built:
        return
    _bump()
    if not pending:
        transaction.on_commit(_bump)


def _bump() -> None:
    _local_state.built = False
    _shared().set(GENERATION_KEY, token_hex(8), None)


def cached(parts: tuple[str, ...], build: Callable[[], Any], *, token: str = "") -> Any:
    """The value cached under `parts` in this content generation, or `build()` cached.

    A `None` from `build` (nothing to show: a 404) is returned and not cached, so
    made-up URLs cannot fill the cache. `token`: the generation, when the caller has just
    read it (`generation()`) for another lookup in the same request.
    """
    key = ":".join(("content", token or generation(), *parts))
    local = _local()
    value = local.get(key)
    if value is None:
        value = build()
        if value is not None:
            local.set(key, value, TIMEOUT)
            _local_state.built = True
    return value


def cached_many(
    prefix: tuple[str, ...], ids: Iterable[Any], build: Callable[[list], dict], *, token: str = ""
) -> dict:
    """`cached` for many values at once, each under `prefix` and its id, in one cache
    round trip: `build(missing ids)` returns {id: value} for those it finds, and an id it
    leaves out is left out of the result and not cached."""
    head = ("content", token or generation(), *prefix)
    keys = {":".join((*head, str(i))): i for i in ids}
    local = _local()
    found = {keys[key]: value for key, value in local.get_many(list(keys)).items()}
    missing = [i for i in keys.values() if i not in found]
    if missing:
        built = build(missing)
        if built:
            local.set_many({key: built[i] for key, i in keys.items() if i in built}, TIMEOUT)
            _local_state.built = True
            found.update(built)
    return found


def connect(*models) -> None:
    """Invalidate on every save and delete of these models (and their many-to-many edits)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        label = model._meta.label
        post_save.connect(invalidate, sender=model, dispatch_uid=f"fragments.save.{label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"fragments.delete.{label}")
        for field in model._meta.local_many_to_many:
            uid = f"fragments.m2m.{label}.{field.name}"
            m2m_changed.connect(invalidate, sender=field.remote_field.through, dispatch_uid=uid)
