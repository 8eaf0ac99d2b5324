"""Signals of the incident app. Other apps listen; ``incidents`` knows nothing of them (DESIGN.md: data
flows one way). ``incident_moved`` is sent by ``lifecycle.perform`` inside its transaction, after the
timeline event is written: a receiver that writes joins the same transaction (and is rolled back with
it); a receiver with side effects outside the database must use ``transaction.on_commit``."""

from django.dispatch import Signal

# kwargs: incident, move (name), actor, from_state, from_level, event (the TimelineEvent), context (dict)
incident_moved = Signal()
