"""OrgChange is append-only in the database too (PostgreSQL): UPDATE and DELETE raise."""

from django.db import migrations

from config.dbutil import append_only


class Migration(migrations.Migration):
    dependencies = [("orgchart", "0001_initial")]
    operations = [append_only("orgchart_orgchange")]
