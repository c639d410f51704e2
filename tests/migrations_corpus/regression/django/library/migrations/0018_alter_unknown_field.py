# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0017_renames")]
    operations = [
        migrations.AlterField(model_name="review", name="body", field=models.TextField()),
    ]
