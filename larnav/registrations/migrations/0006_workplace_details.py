import django.db.models.deletion
from django.db import migrations, models

# Every registration takes its workplace's city district (its parent, when that is one), operating
# form and function; written in SQL that SQLite and PostgreSQL both run.
FILL = """
UPDATE registrations_registration SET
  driftform = COALESCE((SELECT w.driftform FROM organisations_organisation w
                        WHERE w.id = registrations_registration.workplace_id), ''),
  funktion = COALESCE((SELECT w.funktion FROM organisations_organisation w
                       WHERE w.id = registrations_registration.workplace_id), ''),
  district_id = (SELECT d.id FROM organisations_organisation w JOIN organisations_organisation d ON d.id = w.parent_id
                 WHERE w.id = registrations_registration.workplace_id AND d.type = 'stadsdel')
WHERE workplace_id IS NOT NULL
"""


class Migration(migrations.Migration):
    """Copies of the workplace's city district, operating form and function on the registration,
    carried by both counting indexes, so that statistics count by them without joining the
    organisations. The indexes are dropped while the copies are written and rebuilt after; both
    take minutes per million registrations, during which registrations wait."""

    dependencies = [
        ("organisations", "0001_initial"),
        ("registrations", "0005_counted_columns_in_workplace_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="registration", name="registration_queue_idx"),
        migrations.RemoveIndex(model_name="registration", name="registration_workplace_idx"),
        migrations.AddField(
            model_name="registration",
            name="district",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="organisations.organisation", verbose_name="city district"),
        ),
        migrations.AddField(
            model_name="registration",
            name="driftform",
            field=models.CharField(blank=True, choices=[("kommunal", "Municipal operation"),
                                                        ("enskild", "Private operation")],
                                   editable=False, max_length=10, verbose_name="operating form"),
        ),
        migrations.AddField(
            model_name="registration",
            name="funktion",
            field=models.CharField(blank=True, choices=[("utforare", "Provider"), ("myndighet", "Authority (purchaser)"),
                                                        ("hsl", "Health care (HSL)")],
                                   editable=False, max_length=10, verbose_name="function"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                fields=["session", "status", "queued_at"], name="registration_queue_idx",
                include=["consortium", "person", "hours_credited", "present", "municipality", "workplace",
                         "occupation", "gender", "district", "driftform", "funktion"]),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                fields=["workplace"], name="registration_workplace_idx",
                include=["session", "consortium", "status", "person", "hours_credited", "present",
                         "municipality", "occupation", "gender", "district", "driftform", "funktion"]),
        ),
    ]
