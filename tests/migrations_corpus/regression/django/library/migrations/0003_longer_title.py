# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0002_alter_choices_help_text")]
    operations = [
        migrations.AlterField(model_name="book", name="title", field=models.CharField(max_length=200)),
    ]
