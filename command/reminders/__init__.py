"""Reminders and escalation (issue 7): nothing waits in silence.

- ``kinds``: what each kind reminds of, its clause and default timings; ``policies()`` with the office's
  changes;
- ``planner`` (the reminder planner, not the 预案) with ``kind_planners``: facts → keyed rows;
- ``resolver``: recipient specs → people (deputies when the holders are away);
- ``delivery`` and ``channels``: in-app exactly once, external channels at least once, bounded;
- ``schedule``: the entry points the Celery tasks call (``sweep``, ``dispatch``, ``reschedule``);
- ``views``: the office's pages; ``models``: the tables (imported by ``command/models.py``).
"""
