# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0010_tags")]
    operations = [
        migrations.AddField(model_name="book", name="subtitle", field=models.CharField(max_length=200, blank=True)),
        migrations.AddField(model_name="book", name="notes", field=models.TextField(blank=True)),
        migrations.AddField(model_name="book", name="edition", field=models.PositiveIntegerField()),
    ]
