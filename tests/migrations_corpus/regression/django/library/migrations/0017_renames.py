# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0016_price_precision")]
    operations = [
        migrations.RenameField(model_name="book", old_name="subtitle", new_name="tagline"),
        migrations.AlterField(model_name="book", name="notes", field=models.TextField(blank=True, db_column="notes")),
        migrations.RenameField(model_name="book", old_name="notes", new_name="remarks"),
    ]
