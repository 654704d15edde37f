"""Decide completion for sessions that ended recently: run it from cron, e.g. every hour.

Attendance saved after a session's last occasion decides at once; this catches
sessions whose attendance was all taken while the last occasion was still under way.
"""

from django.core.management.base import BaseCommand

from larnav.attendance.services import evaluate_finished_sessions


class Command(BaseCommand):
    help = "Decide completed / no-show from attendance for sessions that ended in the last 30 days."

    def handle(self, *args, **options):
        decided = evaluate_finished_sessions()
        if options["verbosity"]:
            self.stdout.write(f"{decided} session(s) decided.")
