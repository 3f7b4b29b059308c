from django.db import migrations

FORWARD = """
CREATE FUNCTION distribution_commissionentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'distribution_commissionentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER distribution_commissionentry_append_only
    BEFORE UPDATE OR DELETE ON distribution_commissionentry
    FOR EACH ROW EXECUTE FUNCTION distribution_commissionentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS distribution_commissionentry_append_only ON distribution_commissionentry;
DROP FUNCTION IF EXISTS distribution_commissionentry_append_only();
"""


class Migration(migrations.Migration):
    """The commission ledger is append-only: the database itself refuses UPDATE and DELETE."""

    dependencies = [("distribution", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
