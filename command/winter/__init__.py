"""A realistic winter of generated data to try and measure the platform with (issue 8), behind
``python manage.py generate_winter``: past incidents over the last heating seasons, active ones, tasks
and timeline events.

Rows are written with ``bulk_create`` in batches inside one transaction, never through the services
and the lifecycle (far too slow for thousands of rows). What the services would derive is derived here
by the same code: grades and 附件4 recommendations by the model (``Incident.grade``,
``Incident.recommendation``), the clauses of a level move by ``incidents.lifecycle`` (``authority``,
``check_conditions``), who decides it by the approval table (``orgchart.approvals``,
``orgchart.permissions.RULES``), the units and leaders of an activated group by ``command.response.activation``.
Every incident passes ``Incident.full_clean`` (foreign keys apart: they come from the database) before
it is written; the database checks the constraints.

Generated incidents are marked: their title starts with ``data.MARK`` (【生成】).

    generate.py     options → context → ``Winter`` → report (the command's one call)
    context.py      the plan and the demo set from the database
    winter.py       the ``Winter``: calendar and the order of drafting, built of the planners below
    drafting.py  moves.py  assignments.py  extras.py  writing.py
    data.py         weights and texts;  common.py  shared helpers;  report.py  removal.py (--delete)
"""
