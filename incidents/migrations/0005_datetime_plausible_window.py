"""Issue 16: every date-time written from user input lies in a plausible window (config/inputs.py);
rows written before (a year-0001 timestamp psycopg cannot read) are clamped to the window or emptied
first, with a note on the console, so this migration never fails on them."""

import datetime
from django.db import migrations, models

from config.inputs import clamp_rows


def clamp_incident(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'incidents.Incident', triggers=())


def clamp_firstmeasure(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'incidents.FirstMeasure', triggers=())


def clamp_upwardreport(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'incidents.UpwardReport', triggers=())


def clamp_timelineevent(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'incidents.TimelineEvent', triggers=('incidents_timelineevent_append_only',))


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0004_incident_map_point'),
    ]

    operations = [
        migrations.RunPython(clamp_incident, migrations.RunPython.noop),
        migrations.RunPython(clamp_firstmeasure, migrations.RunPython.noop),
        migrations.RunPython(clamp_upwardreport, migrations.RunPython.noop),
        migrations.RunPython(clamp_timelineevent, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='firstmeasure',
            constraint=models.CheckConstraint(condition=models.Q(('at__isnull', True), models.Q(('at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='first_measure_at_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('occurred_at__isnull', True), models.Q(('occurred_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('occurred_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('reported_at__isnull', True), models.Q(('reported_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('reported_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('outage_started_at__isnull', True), models.Q(('outage_started_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('outage_started_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('estimated_restoration_at__isnull', True), models.Q(('estimated_restoration_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('estimated_restoration_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('restored_at__isnull', True), models.Q(('restored_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('restored_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR')), name='incident_datetimes_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='timelineevent',
            constraint=models.CheckConstraint(condition=models.Q(('at__isnull', True), models.Q(('at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='timeline_event_at_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='upwardreport',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('due_at__isnull', True), models.Q(('due_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('due_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('sent_at__isnull', True), models.Q(('sent_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('sent_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR')), name='upward_report_times_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
    ]
