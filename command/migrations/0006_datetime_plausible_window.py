"""Issue 16: every date-time written from user input lies in a plausible window (config/inputs.py);
rows written before (a year-0001 timestamp psycopg cannot read) are clamped to the window or emptied
first, with a note on the console, so this migration never fails on them."""

import datetime
from django.db import migrations, models

from config.inputs import clamp_rows


def clamp_instruction(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'command.Instruction', triggers=())


def clamp_assignment(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'command.Assignment', triggers=())


def clamp_levelrequeststep(apps, schema_editor):
    clamp_rows(apps, schema_editor, 'command.LevelRequestStep', triggers=('command_levelrequeststep_append_only',))


class Migration(migrations.Migration):

    dependencies = [
        ('command', '0005_assignment_phase'),
    ]

    operations = [
        migrations.RunPython(clamp_instruction, migrations.RunPython.noop),
        migrations.RunPython(clamp_assignment, migrations.RunPython.noop),
        migrations.RunPython(clamp_levelrequeststep, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='assignment',
            constraint=models.CheckConstraint(condition=models.Q(('due_at__isnull', True), models.Q(('due_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('due_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='assignment_due_at_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='instruction',
            constraint=models.CheckConstraint(condition=models.Q(('given_at__isnull', True), models.Q(('given_at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('given_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='instruction_given_at_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
        migrations.AddConstraint(
            model_name='levelrequeststep',
            constraint=models.CheckConstraint(condition=models.Q(('at__isnull', True), models.Q(('at__gte', datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.timezone.utc)), ('at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='level_request_step_at_plausible', violation_error_message='时间不在合理范围内（2000年至2100年），请核对年份。'),
        ),
    ]
