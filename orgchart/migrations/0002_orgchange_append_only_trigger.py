"""OrgChange is append-only in the database too (PostgreSQL): UPDATE and DELETE raise."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION orgchart_orgchange_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'orgchart_orgchange is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS orgchart_orgchange_append_only ON orgchart_orgchange;
CREATE TRIGGER orgchart_orgchange_append_only BEFORE UPDATE OR DELETE ON orgchart_orgchange
  FOR EACH ROW EXECUTE FUNCTION orgchart_orgchange_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS orgchart_orgchange_append_only ON orgchart_orgchange;
DROP FUNCTION IF EXISTS orgchart_orgchange_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("orgchart", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
