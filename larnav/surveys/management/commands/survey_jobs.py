from django.core.management.base import BaseCommand

from larnav.surveys import services


class Command(BaseCommand):
    help = ("Create and send the evaluations of sessions whose last occasion has ended, mail the invitations of "
            "rounds that have opened, and send due reminders. The worker runs this every 30 minutes.")

    def handle(self, *args, **options):
        created = services.create_due_evaluations()
        mailed = services.send_due_mail()
        self.stdout.write(f"evaluations: {len(created)}, invitations: {mailed['invitations']}, "
                          f"reminders: {mailed['reminders']}")
