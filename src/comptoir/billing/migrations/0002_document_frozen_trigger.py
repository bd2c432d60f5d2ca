"""On PostgreSQL, the database itself refuses to change or delete an issued document: the
model's guard covers the ORM, this covers raw SQL and a console session. (SQLite keeps the
model's guard only: its test flush deletes rows one table at a time.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_document_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'billing document % is issued and cannot be deleted', OLD.reference;
    END IF;
    IF (NEW.shop_id, NEW.kind, NEW.number, NEW.reference, NEW.order_id, NEW.invoice_id,
        NEW.refund_id, NEW.issued_at, NEW.total, NEW.snapshot, NEW.token)
       IS DISTINCT FROM
       (OLD.shop_id, OLD.kind, OLD.number, OLD.reference, OLD.order_id, OLD.invoice_id,
        OLD.refund_id, OLD.issued_at, OLD.total, OLD.snapshot, OLD.token) THEN
        RAISE EXCEPTION 'billing document % is issued and cannot change', OLD.reference;
    END IF;
    IF OLD.sha256 <> '' AND (NEW.pdf, NEW.sha256, NEW.rendered_at)
       IS DISTINCT FROM (OLD.pdf, OLD.sha256, OLD.rendered_at) THEN
        RAISE EXCEPTION 'billing document % already has its PDF', OLD.reference;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_document_frozen BEFORE UPDATE OR DELETE ON billing_document
    FOR EACH ROW EXECUTE FUNCTION billing_document_frozen();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_document_frozen ON billing_document;
DROP FUNCTION IF EXISTS billing_document_frozen();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
