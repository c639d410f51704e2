# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0008_isbn_unique")]
    operations = [
        migrations.AddField(
            model_name="book",
            name="related",
            field=models.ManyToManyField(to="library.book", blank=True),
        ),
    ]
