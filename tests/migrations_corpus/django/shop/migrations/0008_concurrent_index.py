# ruff: noqa
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shop", "0007_product_changes"),
    ]

    operations = [
        migrations.RunSQL(
            "SET lock_timeout = '5s';",
            reverse_sql=migrations.RunSQL.noop,
        ),
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(fields=["slug"], name="shop_product_slug_idx"),
        ),
        migrations.CreateModel(
            name="Review",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("stars", models.PositiveSmallIntegerField()),
                ("body", models.TextField(blank=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("product", models.ForeignKey(on_delete=models.CASCADE, to="shop.product")),
            ],
        ),
    ]
