import base64
import pickle
import random
from datetime import UTC, datetime

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(db.DatabaseCache):
    """Django's database cache, with an add(), set() and incr() fit for counting across workers.

    The stock incr() reads, adds and writes back, so two workers counting the same failure
    at once can both write 1; and each write counts the whole table first. Here incr() reads
    the row `FOR UPDATE` (PostgreSQL) or under the write lock that `BEGIN IMMEDIATE` takes
    (SQLite, settings: transaction_mode), and add() is one upsert that replaces only an
    expired row. Both join a transaction already open rather than adding a savepoint, and
    keep the row's expiry. Expired rows are swept now and then instead of on every write.
    """

    SWEEP_CHANCE = 0.01

    def _sql(self):
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        return alias, connection, quote(self._table), quote

    def add(self, key, value, timeout=db.DEFAULT_TIMEOUT, version=None):
        return self._upsert(key, value, timeout, version, only_expired=True)

    def set(self, key, value, timeout=db.DEFAULT_TIMEOUT, version=None):
        # One upsert, where the stock set() counts the table and reads the row first.
        self._upsert(key, value, timeout, version, only_expired=False)

    def _upsert(self, key, value, timeout, version, *, only_expired: bool) -> bool:
        """Write the row; with `only_expired`, replace an existing row only once it expired."""
        key = self.make_and_validate_key(key, version=version)
        alias, connection, table, quote = self._sql()
        timeout = self.get_backend_timeout(timeout)
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)
        expires = expires.replace(microsecond=0)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        condition = f" WHERE {table}.{quote('expires')} < %s" if only_expired else ""
        with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
            if random.random() < self.SWEEP_CHANCE:
                cursor.execute(f"DELETE FROM {table} WHERE {quote('expires')} < %s", [now])
            cursor.execute(
                f"INSERT INTO {table} ({quote('cache_key')}, {quote('value')}, "
                f"{quote('expires')}) VALUES (%s, %s, %s) ON CONFLICT ({quote('cache_key')}) "
                f"DO UPDATE SET {quote('value')} = excluded.{quote('value')}, "
                f"{quote('expires')} = excluded.{quote('expires')}{condition}",
                [key, pickled, connection.ops.adapt_datetimefield_value(expires)]
                + ([now] if only_expired else []),
            )
            return cursor.rowcount > 0

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias, connection, table, quote = self._sql()
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')} FROM {table} "
                f"WHERE {quote('cache_key')} = %s AND {quote('expires')} >= %s{lock}",
                [key, now],
            )
            row = cursor.fetchone()
            if row is not None:
                stored = connection.ops.process_clob(row[0])
                value = pickle.loads(base64.b64decode(stored.encode(), validate=True)) + delta
                pickled = pickle.dumps(value, self.pickle_protocol)
                cursor.execute(
                    f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                    [base64.b64encode(pickled).decode("latin1"), key],
                )
        # Raised outside the block: an exception leaving it would doom the caller's transaction.
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return value
