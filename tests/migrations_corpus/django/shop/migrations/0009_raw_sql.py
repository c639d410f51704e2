# ruff: noqa
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_concurrent_index")]

    operations = [
        migrations.RunSQL(
            [
                "ALTER TABLE shop_product ADD CONSTRAINT price_positive CHECK (price > 0);",
                "ALTER TABLE shop_product ALTER COLUMN price TYPE numeric(12, 2);",
            ]
        ),
        migrations.AlterField(
            model_name="review",
            name="stars",
            field=models.SmallIntegerField(),
        ),
    ]
