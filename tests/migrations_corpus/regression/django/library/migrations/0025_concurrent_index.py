# ruff: noqa
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("library", "0024_unique_together")]
    operations = [
        AddIndexConcurrently(
            model_name="rating",
            index=models.Index(fields=["book"], name="rating_book_idx"),
        ),
    ]
