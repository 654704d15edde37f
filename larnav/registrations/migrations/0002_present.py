from django.db import migrations, models

# Attendance statuses that count as present (larnav.attendance.models.PRESENT_STATUSES).
PRESENT = ("attended", "partly")


def fill_present(apps, schema_editor):
    """Set the flag from the attendance records already taken, in one statement."""
    Registration = apps.get_model("registrations", "Registration")
    AttendanceRecord = apps.get_model("attendance", "AttendanceRecord")
    Registration.objects.filter(pk__in=AttendanceRecord.objects.filter(status__in=PRESENT)
                                .values("registration_id")).update(present=True)


class Migration(migrations.Migration):

    dependencies = [
        ('registrations', '0001_initial'),
        ('attendance', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='registration',
            name='present',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(fill_present, migrations.RunPython.noop),
    ]
