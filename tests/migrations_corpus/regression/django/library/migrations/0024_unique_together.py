# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0023_rename_models")]
    operations = [
        migrations.AlterUniqueTogether(name="title", unique_together={("isbn", "edition")}),
        migrations.AlterUniqueTogether(name="title", unique_together={("isbn", "edition")}),
    ]
