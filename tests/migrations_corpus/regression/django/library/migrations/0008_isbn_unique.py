# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0007_isbn_index")]
    operations = [
        migrations.AlterField(model_name="book", name="isbn", field=models.CharField(max_length=13, unique=True)),
    ]
