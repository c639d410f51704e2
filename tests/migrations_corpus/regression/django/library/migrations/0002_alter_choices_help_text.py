# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="book",
            name="status",
            field=models.CharField(max_length=10, choices=[("d", "Draft"), ("p", "Published")], help_text="state"),
        ),
    ]
