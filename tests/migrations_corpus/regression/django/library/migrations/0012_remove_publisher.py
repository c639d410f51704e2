# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0011_blank_text_fields")]
    operations = [
        migrations.RemoveField(
            model_name="book",
            name="publisher",
        ),
    ]
