# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0014_runsql_constant")]
    operations = [
        migrations.AlterField(model_name="review", name="stars", field=models.BigIntegerField()),
    ]
