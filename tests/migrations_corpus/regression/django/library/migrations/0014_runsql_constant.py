# ruff: noqa
from django.db import migrations

ADD_FK = """
ALTER TABLE library_review
    ADD CONSTRAINT library_review_book_fk
    FOREIGN KEY (book_id) REFERENCES catalog_book (id);
"""
DROP_FK = "ALTER TABLE library_review DROP CONSTRAINT library_review_book_fk;"


class Migration(migrations.Migration):
    dependencies = [("library", "0013_separate_database_and_state")]
    operations = [
        migrations.RunSQL(ADD_FK, DROP_FK),
    ]
