"""Model → response dicts (what the serializers in ``serializers.py`` describe)."""

from django.urls import reverse


def incident(i):
    grade, _reasons = i.grade()
    rec = i.recommendation()
    return {
        "id": i.pk,
        "ref": i.ref,
        "title": i.title,
        "category": i.category,
        "state": i.state,
        "state_label": str(i.get_state_display()),
        "level": i.level,
        "is_drill": i.is_drill,
        "county": i.county_id,
        "company": i.company_id,
        "service_area": i.service_area_id,
        "occurred_at": i.occurred_at,
        "reported_at": i.reported_at,
        "outage_started_at": i.outage_started_at,
        "restored_at": i.restored_at,
        "affected_area_m2": i.affected_area_m2,
        "affected_households": i.affected_households,
        "grade": grade.value if grade else None,
        "recommendation": {
            "level": int(rec.level) if rec.level else None,
            "status": rec.status,
            "clauses": list(rec.clauses),
        },
        "url": i.get_absolute_url(),
    }


def follow_up(r):
    return {
        "id": r.pk,
        "incident": r.incident_id,
        "at": r.at,
        "note": r.note,
        "changes": r.changes,
        "level_before": r.level_before,
        "level_after": r.level_after,
    }


def task(t):
    return {
        "id": t.pk,
        "incident": t.incident_id,
        "incident_title": t.incident.title,
        "kind": t.kind,
        "title": t.title,
        "duties": t.duties,
        "clause": t.clause,
        "state": t.state,
        "state_label": str(t.get_state_display()),
        "priority": t.priority,
        "due_at": t.due_at,
        "signed_at": t.signed_at,
        "done_at": t.done_at,
        "unit": t.unit_id,
        "group": t.group.code if t.group_id else None,
    }


def note(n, task_state):
    return {
        "id": n.pk,
        "task": n.task_id,
        "at": n.at,
        "text": n.text,
        "files": [reverse("command:task_file", args=[f.pk]) for f in n.files.all()],
        "task_state": task_state,
    }
