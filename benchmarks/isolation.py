"""What a benchmark needs to touch only what it creates: a copy of the database (dropped at the end) and a
Celery queue of its own on Redis (removed at the end, with what a killed worker left behind)."""

import json
import sys
from urllib.parse import urlsplit, urlunsplit


def _maintenance(url):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def copy_database(url, copy):
    """``CREATE DATABASE copy TEMPLATE source``; returns the copy's URL."""
    from psycopg import errors, sql

    parts = urlsplit(url)
    source = parts.path.lstrip("/")
    with _maintenance(url) as conn:
        try:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(source))
            )
        except errors.ObjectInUse:
            sys.exit(f"{source}: other sessions are connected; the copy needs it idle (nothing was created)")
    return urlunsplit(parts._replace(path="/" + copy))


def drop_database(url, copy):
    from psycopg import sql

    with _maintenance(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))


def remove_queue(app, queue, hostnames):
    """The queue's keys and bindings, its unacknowledged messages (a killed worker's ETA dispatches) and
    its workers' control bindings; nothing else."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        sep = "\x06\x16"  # kombu's priority queues: <queue>\x06\x16<n>
        client.delete(queue, *[f"{queue}{sep}{n}" for n in range(10)])
        client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.zrem("_kombu.binding_deadlines", queue)
        for tag, raw in client.hgetall("unacked").items():
            _message, exchange, routing_key = json.loads(raw)
            if queue in (exchange, routing_key):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        for member in client.smembers("_kombu.binding.celery.pidbox"):
            if any(h.encode() in member for h in hostnames):
                client.srem("_kombu.binding.celery.pidbox", member)
                client.delete(member.split(b"\x06\x16")[-1])
