"""``--delete``: remove the generated incidents and everything attached to them, where the database
allows it (not on PostgreSQL: the timeline's append-only trigger refuses DELETE)."""

import time
from collections import Counter

from django.core.management.base import CommandError
from django.db import connection, transaction

from command.models import Delivery, Notification
from incidents.models import Incident, LinkedEvent, TimelineEvent

from .data import BATCH_SIZE, MARK
from .report import fmt_counter


def delete_generated(write, verbosity, started):
    """Remove what the generator wrote, or say why not (nothing generated; append-only timeline)."""
    ids = list(Incident.objects.filter(title__startswith=MARK).values_list("pk", flat=True))
    if not ids:
        if verbosity:
            write("没有生成的数据。 / There is no generated data.")
        return
    events = TimelineEvent.objects.filter(incident_id__in=ids).count()
    if append_only_trigger_present():
        raise CommandError(
            f"不能删除：数据库中有 {len(ids):,} 起生成的事件和 {events:,} 条时间线记录；时间线是只追加的"
            "（PostgreSQL 触发器拒绝 DELETE），未作任何修改。要重新开始，请使用新的数据库：建库、"
            "python manage.py migrate、python manage.py load_plan --demo、python manage.py generate_winter。\n"
            f"Cannot delete: the database holds {len(ids):,} generated incidents and {events:,} timeline "
            "events; the timeline is append-only (a PostgreSQL trigger refuses DELETE); nothing was changed. "
            "To start over, use a fresh database: create it, then python manage.py migrate, "
            "python manage.py load_plan --demo, python manage.py generate_winter."
        )
    removed = remove_incidents(ids)
    if verbosity:
        write(
            f"已删除 / deleted: {fmt_counter(removed)}；用时 {time.monotonic() - started:.1f} 秒 / "
            f"took {time.monotonic() - started:.1f} s"
        )


def remove_incidents(ids):
    """Delete the incidents ``ids`` with their rows, their reminders' own digests and the linked events
    left empty, in one transaction; returns the counts by model label."""
    with transaction.atomic():
        # the in-app digests of reminders about generated incidents only (they carry no incident)
        digests = set(
            Delivery.objects.filter(reminder__incident_id__in=ids, notification__isnull=False).values_list(
                "notification_id", flat=True
            )
        ) - set(
            Delivery.objects.filter(notification__isnull=False)
            .exclude(reminder__incident_id__in=ids)
            .values_list("notification_id", flat=True)
        )
        removed = Counter()
        delete_rows(Incident, ids, removed, guard=set(ids))
        removed["command.Notification"] += Notification.objects.filter(pk__in=digests).delete()[0]
        spare = LinkedEvent.objects.filter(name__startswith=MARK, incidents__isnull=True)
        removed["incidents.LinkedEvent"] += spare.count()
        spare.delete()
    return removed


def append_only_trigger_present():
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal",
            ["incidents_timelineevent_append_only"],
        )
        return cursor.fetchone() is not None


def delete_rows(model, pks, removed, *, guard):
    """Delete ``model`` rows ``pks`` and, first, every row that refers to them (raw DELETEs: the model
    layer refuses to delete append-only rows, and PROTECT would stop the collector). Only for databases
    without the append-only trigger. Incidents that are not generated but refer to generated ones
    (merged into one) stop the deletion."""
    if not pks:
        return
    for rel in model._meta.related_objects:
        related = rel.related_model
        name = rel.field.name
        qs = related._base_manager.filter(**{f"{name}__in": pks})
        if rel.many_to_many:
            continue
        if related is Incident:
            outside = qs.exclude(pk__in=guard)
            if outside.exists():
                raise CommandError(
                    "不能删除：有非生成的事件合并到了生成的事件。 / Cannot delete: incidents that were not "
                    "generated are merged into generated ones."
                )
            if rel.field.null:
                qs.update(**{name: None})
            continue
        if rel.on_delete.__name__ == "SET_NULL":
            related._base_manager.filter(**{f"{name}__in": pks}).update(**{name: None})
            continue
        child = list(qs.values_list("pk", flat=True))
        if child:
            delete_rows(related, child, removed, guard=guard)
    for start in range(0, len(pks), BATCH_SIZE):
        chunk = pks[start : start + BATCH_SIZE]
        qs = model._base_manager.filter(pk__in=chunk)
        removed[model._meta.label] += qs._raw_delete(qs.db)
