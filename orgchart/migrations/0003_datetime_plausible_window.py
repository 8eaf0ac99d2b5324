"""Issue 16: every date-time written from user input lies in a plausible window (config/inputs.py);
rows written before (a year-0001 timestamp psycopg cannot read) are clamped to the window or emptied
first, with a note on the console, so this migration never fails on them."""

import datetime
from django.db import migrations, models

from config.inputs import clamp_rows


def clamp_absence(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'orgchart.Absence', triggers=())


def clamp_dutyshift(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'orgchart.DutyShift', triggers=())


class Migration(migrations.Migration):

    dependencies = [
        ('orgchart', '0002_orgchange_append_only_trigger'),
    ]

    operations = [
        migrations.RunPython(clamp_absence, migrations.RunPython.noop),
        migrations.RunPython(clamp_dutyshift, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='absence',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('starts_at__isnull', True), models.Q(('starts_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('starts_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('ends_at__isnull', True), models.Q(('ends_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('ends_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR')), name='absence_times_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='dutyshift',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('starts_at__isnull', True), models.Q(('starts_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('starts_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('ends_at__isnull', True), models.Q(('ends_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('ends_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR')), name='duty_shift_times_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
    ]
