# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0022_runpython_noop")]
    operations = [
        migrations.RenameModel(old_name="Book", new_name="Title"),
        migrations.RenameModel(old_name="Review", new_name="Rating"),
    ]
