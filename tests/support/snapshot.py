"""Emptying and refilling the test database quickly.

After each transactional test (browser, real worker) pytest-django flushes the database, and the next
one's `demo` fixture needs the plan and the demo set back. Two things made that cost seconds a test:
``TRUNCATE`` of the ~65 tables (PostgreSQL gives every table a new file and drops the old one at commit)
and loading the plan and the demo set again. Here, when the test database's user is a superuser (the
``postgres`` of `make test` and CI):

- ``fast_flush()``: the flush deletes the rows (``DELETE FROM`` each table, triggers and foreign-key
  checks off for that transaction by ``session_replication_role = replica``, so the append-only
  triggers let it through): a few milliseconds for tables of a few rows;
- ``take()`` / ``restore()``: the database as django_db_setup left it (migrations' rows, the plan's org
  chart, the demo set) is kept as COPY data and put back in one transaction.

Without a superuser both fall back to Django's own flush and a TRUNCATE. Sequences are left alone either
way (as Django's flush leaves them), so they stay above every id in the copy."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations

_DJANGO_SQL_FLUSH = DatabaseOperations.sql_flush
_SUPERUSER = {}


def superuser(conn):
    """Whether the database user may set ``session_replication_role`` (asked once per database)."""
    name = conn.settings_dict["NAME"]
    if name not in _SUPERUSER:
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser')")
            _SUPERUSER[name] = cursor.fetchone()[0] == "on"
    return _SUPERUSER[name]


def deleting(quote, tables):
    """SQL that empties ``tables`` row by row with triggers and foreign-key checks off (one transaction)."""
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {quote(table)}" for table in tables),
        "SET LOCAL session_replication_role = origin",
    ]


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if reset_sequences or not tables or not superuser(self.connection):
        return _DJANGO_SQL_FLUSH(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return deleting(self.quote_name, tables)


def fast_flush():
    """Django's flush (after each transactional test) deletes rows instead of truncating tables."""
    DatabaseOperations.sql_flush = _sql_flush


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def take():
    """{table: COPY data} of every table of the models."""
    quote = connection.ops.quote_name
    copies = {}
    with connection.cursor() as cursor:
        for table in _tables():
            data = bytearray()
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                for block in copy:
                    data += block
            copies[table] = bytes(data)
    return copies


def restore(copies):
    """Empty the tables and load ``copies`` back, in one transaction. The content types' cache is
    cleared: the flush's post_migrate had created them again under other ids."""
    quote = connection.ops.quote_name
    tables = _tables()
    if superuser(connection):
        empty, refill_end = deleting(quote, tables)[:-1], deleting(quote, tables)[-1:]
    else:  # foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED)
        empty, refill_end = ["TRUNCATE " + ", ".join(quote(t) for t in tables)], []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in empty:
            cursor.execute(sql)
        for table in tables:
            data = copies.get(table)
            if data:
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(data)
        for sql in refill_end:
            cursor.execute(sql)
    ContentType.objects.clear_cache()
