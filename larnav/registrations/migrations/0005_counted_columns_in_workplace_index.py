import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The workplace's index also carries what the statistics count (PostgreSQL; other databases
    build it without the included columns), and replaces the foreign key's plain index. The new
    index is built before the old one is dropped; building it takes seconds per million
    registrations, during which registrations wait."""

    dependencies = [
        ("organisations", "0001_initial"),
        ("registrations", "0004_counted_columns_in_queue_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                fields=["workplace"], name="registration_workplace_idx",
                include=["session", "consortium", "status", "person", "hours_credited", "present",
                         "municipality", "occupation", "gender"]),
        ),
        migrations.AlterField(
            model_name="registration",
            name="workplace",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="organisations.organisation", verbose_name="workplace"),
        ),
    ]
