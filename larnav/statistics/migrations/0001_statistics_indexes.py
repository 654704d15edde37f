"""Indexes that serve the statistics' queries, on other apps' tables.

They are plain SQL (the same on PostgreSQL and SQLite) and live here so that
the apps that own the tables need not know about the statistics:

* the present occasions of a registration: the statistics look up, for each
  no-show or confirmed registration, whether any occasion was marked attended
  or partly (an index-only probe on PostgreSQL);
* sessions of a consortium by their first occasion: every figure is placed in
  a period by that date.
"""

from django.db import migrations

INDEXES = [
    ("statistics_attendance_present_idx",
     "CREATE INDEX statistics_attendance_present_idx ON attendance_attendancerecord (registration_id) "
     "WHERE status IN ('attended', 'partly')"),
    ("statistics_session_start_idx",
     "CREATE INDEX statistics_session_start_idx ON catalog_session (consortium_id, first_start)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("catalog", "0002_search_index"),
        ("registrations", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(sql, reverse_sql=f"DROP INDEX {name}") for name, sql in INDEXES
    ]
