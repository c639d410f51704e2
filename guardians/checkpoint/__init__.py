"""Checkpoints the backup guardian can check itself: a PostgreSQL dump, a Redis
RDB snapshot and copies of named files, with a metadata.json that records where
and when they were taken and the sha256 of every part.

Layout of one checkpoint (default folder ``data/checkpoints/NAME/``)::

    NAME/metadata.json      written last; the folder is renamed into place after it
    NAME/database.dump      pg_dump -Fc
    NAME/redis.rdb          redis-cli --rdb
    NAME/files/<path>       copies of --include files (mode 0600)

A checkpoint is built in a hidden ``.NAME.partial-*`` folder and renamed to
``NAME`` only once every part and the metadata are on disk, so one that failed
halfway never looks complete.
"""
