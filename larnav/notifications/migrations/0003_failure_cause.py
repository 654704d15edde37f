from django.db import migrations, models


def mark_abandoned(apps, schema_editor):
    """Failures recorded before the cause was stored: the recovery wrote its reason as the error."""
    JobFailure = apps.get_model("notifications", "JobFailure")
    JobFailure.objects.filter(error__startswith="AbandonedJob:").update(cause="abandoned")


class Migration(migrations.Migration):
    """Why a job failed, as a cause the failed-jobs page names in the reader's language; the
    exception's own text stays as the technical details."""

    dependencies = [
        ("notifications", "0002_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobfailure",
            name="cause",
            field=models.CharField(
                choices=[("error", "The job stopped with an error."),
                         ("abandoned", "The worker running the job stopped before it ended (restarted or out of "
                                       "memory); the job may have been done in part.")],
                default="error", max_length=16, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="jobfailure",
            name="error",
            field=models.TextField(verbose_name="technical details"),
        ),
        migrations.RunPython(mark_abandoned, migrations.RunPython.noop),
    ]
