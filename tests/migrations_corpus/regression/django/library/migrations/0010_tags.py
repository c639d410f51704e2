# ruff: noqa
import taggit.managers
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0009_add_many_to_many")]
    operations = [
        migrations.AlterField(
            model_name="book",
            name="tags",
            field=taggit.managers.TaggableManager(blank=True, through="taggit.TaggedItem", to="taggit.Tag"),
        ),
        migrations.RemoveField(model_name="book", name="tags"),
    ]
