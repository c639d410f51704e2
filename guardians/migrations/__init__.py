"""Static analysis of database migrations (plain SQL, Alembic and Django).

The public entry points live in :mod:`guardians.migrations.analyze`
(``analyze_text`` / ``analyze_paths``) and :mod:`guardians.migrations.lint`
(the ``guardians lint-migrations`` command). Everything here is pure except
``analyze_paths`` and the lint command, which read files.
"""
