# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


def fill_slugs(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    for product in Product.objects.all().iterator():
        product.slug = product.name.lower().replace(" ", "-")
        product.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0006_auto_20240101_1200"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="product",
            name="legacy_sku",
        ),
        migrations.AddField(
            model_name="product",
            name="slug",
            field=models.SlugField(max_length=120),
        ),
        migrations.AddField(
            model_name="product",
            name="supplier",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="shop.supplier",
            ),
        ),
        migrations.RenameField(
            model_name="product",
            old_name="desc",
            new_name="description",
        ),
        migrations.RunPython(fill_slugs),
    ]
