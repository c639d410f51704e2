# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0012_remove_publisher")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="book", name="code")],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE catalog_book DROP COLUMN legacy_code;",
                    reverse_sql="ALTER TABLE catalog_book ADD COLUMN legacy_code varchar(8);",
                ),
            ],
        ),
    ]
