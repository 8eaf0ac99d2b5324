"""Each service area lists the counties/districts it serves (附件4(1), reading: an incident's outage share
is computed only against a service area covering its county). Fills existing data: 运城市城市建成区 =
盐湖区 + 运城开发区 where it lists none; an area named after a county serves that county; every county
still uncovered gets its own network (heated area unknown until the office enters it). A fresh database
has no counties yet: ``load_plan`` does the same."""

from django.db import migrations

BUILT_UP = ("yanhu", "kaifaqu")
CLAUSE = "附件4(1)（解读：县（市）自有供热管网）"


def forwards(apps, schema_editor):
    County = apps.get_model("orgchart", "County")
    ServiceArea = apps.get_model("orgchart", "ServiceArea")
    counties = list(County.objects.order_by("order"))
    for area in ServiceArea.objects.all():
        if area.counties.exists():
            continue
        if area.code == "built-up-area" or area.is_default:
            area.counties.set([c for c in counties if c.code in BUILT_UP])
        else:
            area.counties.set([c for c in counties if c.name in area.name])
    for county in County.objects.filter(service_areas__isnull=True).order_by("order"):
        area, _created = ServiceArea.objects.get_or_create(
            code=f"county-{county.code}",
            defaults={"name": f"{county.name}供热管网", "clause": CLAUSE},
        )
        area.counties.add(county)


class Migration(migrations.Migration):
    dependencies = [("orgchart", "0002_orgchange_append_only_trigger")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
