# ruff: noqa
import taggit.managers
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "__first__")]
    operations = [
        migrations.CreateModel(
            name="Publisher",
            fields=[("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=100))],
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=50)),
                ("status", models.CharField(max_length=10, choices=[("d", "Draft")])),
                ("pages", models.IntegerField(null=True)),
                ("isbn", models.CharField(max_length=13)),
                ("price", models.DecimalField(max_digits=10, decimal_places=2)),
                ("code", models.CharField(max_length=8, db_column="legacy_code")),
                ("summary", models.TextField(null=True)),
                ("publisher", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="library.publisher")),
                ("shelves", models.ManyToManyField(to="library.publisher", related_name="+")),
                ("tags", taggit.managers.TaggableManager(through="taggit.TaggedItem", to="taggit.Tag")),
            ],
            options={"db_table": "catalog_book"},
        ),
        migrations.CreateModel(
            name="Review",
            fields=[("id", models.BigAutoField(primary_key=True)), ("stars", models.SmallIntegerField())],
        ),
    ]
