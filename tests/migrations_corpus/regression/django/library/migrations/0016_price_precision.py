# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0015_stars_to_bigint")]
    operations = [
        migrations.AlterField(model_name="book", name="price", field=models.DecimalField(max_digits=12, decimal_places=2)),
        migrations.AlterField(model_name="book", name="price", field=models.DecimalField(max_digits=12, decimal_places=4)),
    ]
