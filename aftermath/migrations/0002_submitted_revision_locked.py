"""A submitted revision is locked in the database too (PostgreSQL): UPDATE and DELETE of a row whose
status is 'submitted' raise, whatever path tries (a queryset .update(), raw SQL, the admin). Drafts stay
editable. Other databases rely on the model layer (Revision.save/delete)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION aftermath_revision_locked() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'aftermath_revision % is submitted and locked (% refused)', OLD.id, TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS aftermath_revision_locked ON aftermath_revision;
CREATE TRIGGER aftermath_revision_locked BEFORE UPDATE OR DELETE ON aftermath_revision
  FOR EACH ROW WHEN (OLD.status = 'submitted') EXECUTE FUNCTION aftermath_revision_locked();
"""
DROP = """
DROP TRIGGER IF EXISTS aftermath_revision_locked ON aftermath_revision;
DROP FUNCTION IF EXISTS aftermath_revision_locked();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("aftermath", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
