# ruff: noqa
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("library", "0020_remove_many_to_many")]
    operations = [
        migrations.AddField(
            model_name="review",
            name="book",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                to="library.book",
            ),
        ),
    ]
