"""An archived incident is read-only everywhere (issue 9; DOMAIN.md §5): pages, admin, services, Celery
tasks and model methods. The last line of defence is here, in the models: saving or deleting the incident
or any record that belongs to it raises ``ArchivedError`` while it is archived. Only the two moves that
enter and leave the archive (``archive``, ``reopen`` — the office director, with a reason) write, inside
``allow_archive_write()``.

Records "belong" to an incident through a foreign key named ``incident``, or one hop further (a task's
note, a request's step, an activated group's unit, a record's revision): ``INCIDENT_PATHS`` is computed
once from the models. Messaging (notifications, reminders, deliveries) is not the incident's record and
is left out, so a reminder sweep never fails on an archived incident.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext_lazy as _

from .choices import State
from .models import Incident

_allowed = ContextVar("archive_write_allowed", default=False)

# Apps whose records belong to incidents, and models that are messaging rather than the record. The
# documents' numbering register (documents.DocumentNumber) is the office's filing register, not the
# incident's record: an archived incident's documents can still be printed (and numbered once).
RECORD_APPS = ("incidents", "command", "aftermath")
# Improvement measures are followed up after the archive (they take months): only "done" is written
# then, by ``aftermath.services.measure_done``.
NOT_RECORDS = {
    "command.notification",
    "command.reminder",
    "command.delivery",
    "command.reminderpolicy",
    "aftermath.measure",
}

MESSAGE = _("事件已归档，只读（§7）。如需更正，请由办公室主任写明理由后重新打开。")


class ArchivedError(PermissionDenied):
    """Writing to an archived incident's record. A ``PermissionDenied``: pages answer 403 if a view
    forgot to check, and the message says why."""

    def __init__(self, message=None):
        super().__init__(str(message or MESSAGE))


@contextmanager
def allow_archive_write():
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def is_archived(incident_id):
    return bool(incident_id) and Incident.objects.filter(pk=incident_id, state=State.ARCHIVED).exists()


INCIDENT_PATHS = {}  # model label -> callable(instance) -> incident id


def _paths():
    def direct(obj):
        return obj.incident_id

    def via(fk_attname, parent_get, parent_model):
        def get(obj):
            pk = getattr(obj, fk_attname)
            parent = parent_model.objects.filter(pk=pk).first() if pk is not None else None
            return parent_get(parent) if parent is not None else None

        return get

    def owns_incident(model):
        try:
            f = model._meta.get_field("incident")
        except FieldDoesNotExist:
            return False
        # A forward foreign key only: ``get_field`` also finds reverse relations (PlanVersion.incident).
        # One-to-one too (the on-site HQ).
        return f.concrete and (f.many_to_one or f.one_to_one) and f.related_model is Incident

    models = [
        m
        for app in RECORD_APPS
        if apps.is_installed(app)
        for m in apps.get_app_config(app).get_models()
        if m._meta.label_lower not in NOT_RECORDS and m is not Incident
    ]
    for model in models:
        if owns_incident(model):
            INCIDENT_PATHS[model._meta.label_lower] = direct
    # One hop further, then two (a task's file hangs on the task's note): until nothing new is found.
    changed = True
    while changed:
        changed = False
        for model in models:
            label = model._meta.label_lower
            if label in INCIDENT_PATHS:
                continue
            for f in model._meta.concrete_fields:
                forward = f.is_relation and (f.many_to_one or f.one_to_one)
                parent = f.related_model._meta.label_lower if forward else None
                if parent in INCIDENT_PATHS:
                    INCIDENT_PATHS[label] = via(f.attname, INCIDENT_PATHS[parent], f.related_model)
                    changed = True
                    break


def _guard_incident(sender, instance, **kwargs):
    if instance.pk and not _allowed.get() and is_archived(instance.pk):
        raise ArchivedError()


def _guard_record(sender, instance, **kwargs):
    get = INCIDENT_PATHS.get(sender._meta.label_lower)
    if get is not None and not _allowed.get():
        incident_id = get(instance)
        if incident_id is not None and is_archived(incident_id):
            raise ArchivedError()


def connect():
    """Called from ``IncidentsConfig.ready()`` once every app is loaded."""
    _paths()
    pre_save.connect(_guard_incident, sender=Incident, dispatch_uid="archive.incident.save")
    pre_delete.connect(_guard_incident, sender=Incident, dispatch_uid="archive.incident.delete")
    for label in INCIDENT_PATHS:
        model = apps.get_model(label)
        pre_save.connect(_guard_record, sender=model, dispatch_uid=f"archive.{label}.save")
        pre_delete.connect(_guard_record, sender=model, dispatch_uid=f"archive.{label}.delete")
