"""On PostgreSQL decisions refuse UPDATE and DELETE, and a model version's content cannot change."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION decision_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'decisions are immutable (% refused); a correction is a new decision', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER decision_immutable BEFORE UPDATE OR DELETE ON explanations_decision
  FOR EACH ROW EXECUTE FUNCTION decision_refuse_change();

CREATE OR REPLACE FUNCTION model_version_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.spec::text IS DISTINCT FROM OLD.spec::text OR NEW.spec_hash <> OLD.spec_hash
     OR NEW.version <> OLD.version OR NEW.system_id <> OLD.system_id OR NEW.kind <> OLD.kind
     OR NEW.artifact_sha256 <> OLD.artifact_sha256 OR NEW.dataset_sha256 <> OLD.dataset_sha256
     OR NEW.released_at <> OLD.released_at THEN
    RAISE EXCEPTION 'model versions are immutable; register a new version' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER model_version_immutable BEFORE UPDATE OR DELETE ON explanations_modelversion
  FOR EACH ROW EXECUTE FUNCTION model_version_refuse_change();
"""
REVERSE = """
DROP TRIGGER IF EXISTS decision_immutable ON explanations_decision;
DROP TRIGGER IF EXISTS model_version_immutable ON explanations_modelversion;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("explanations", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
