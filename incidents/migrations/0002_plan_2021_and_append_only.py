"""The 2021 plan version (运政办发〔2021〕68 号) with its 附件4/附件5 rules, in force; timeline and
follow-up reports append-only in the database."""

import datetime

from django.db import migrations

from config.dbutil import append_only


def plan_2021(apps, schema_editor):
    from incidents.plan_rules import RULES_2021

    PlanVersion = apps.get_model("incidents", "PlanVersion")
    PlanVersion.objects.update_or_create(
        code="2021",
        defaults={"doc_no": "运政办发〔2021〕68 号", "title": "运城市城市集中供热突发事件应急预案",
                  "issued_on": datetime.date(2021, 12, 23), "in_force": True, "rules": RULES_2021},
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [
        migrations.RunPython(plan_2021, migrations.RunPython.noop),
        append_only("incidents_timelineevent"),
        append_only("incidents_followupreport"),
    ]
