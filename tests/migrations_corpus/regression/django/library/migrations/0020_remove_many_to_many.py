# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0019_default_only")]
    operations = [
        migrations.RemoveField(model_name="book", name="shelves"),
    ]
