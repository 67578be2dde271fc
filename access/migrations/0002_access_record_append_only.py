"""On PostgreSQL the access log refuses UPDATE and DELETE, like the audit chain it is mirrored in."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION access_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'access records are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_record_append_only BEFORE UPDATE OR DELETE ON access_accessrecord
  FOR EACH ROW EXECUTE FUNCTION access_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS access_record_append_only ON access_accessrecord;"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
