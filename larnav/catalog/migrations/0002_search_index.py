"""A GIN index for full-text search of activities with the Swedish configuration (PostgreSQL only).

The expression is the one ``selectors._search_q`` filters on
(``SearchVector("search_text", config="swedish")``), so the planner uses the
index. SQLite searches the case-folded ``search_text`` with LIKE instead.
"""

from django.db import migrations

INDEX = "catalog_activity_search_swedish_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_activity "
        "USING gin (to_tsvector('swedish'::regconfig, COALESCE(search_text, '')))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
