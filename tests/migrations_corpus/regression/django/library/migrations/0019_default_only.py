# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0018_alter_unknown_field")]
    operations = [
        migrations.AlterField(model_name="book", name="edition", field=models.PositiveIntegerField(default=1)),
    ]
