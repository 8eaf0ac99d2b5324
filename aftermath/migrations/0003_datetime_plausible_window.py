"""Issue 16: every date-time written from user input lies in a plausible window (config/inputs.py);
rows written before (a year-0001 timestamp psycopg cannot read) are clamped to the window or emptied
first, with a note on the console, so this migration never fails on them."""

import datetime
from django.db import migrations, models

from config.inputs import clamp_rows


def clamp_measure(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'aftermath.Measure', triggers=())


class Migration(migrations.Migration):

    dependencies = [
        ('aftermath', '0002_submitted_revision_locked'),
    ]

    operations = [
        migrations.RunPython(clamp_measure, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='measure',
            constraint=models.CheckConstraint(condition=models.Q(('due_on__isnull', True), models.Q(('due_on__gte', datetime.date(2000, 1, 1)), ('due_on__lt', datetime.date(2100, 1, 1))), _connector='OR'), name='measure_due_on_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
    ]
