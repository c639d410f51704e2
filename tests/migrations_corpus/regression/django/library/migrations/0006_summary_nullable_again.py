# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0005_pages_not_null")]
    operations = [
        migrations.AlterField(model_name="book", name="summary", field=models.TextField(null=True, blank=True)),
        migrations.AlterField(model_name="book", name="pages", field=models.IntegerField(null=True)),
    ]
