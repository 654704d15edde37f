"""python manage.py needs_reminders: remind municipal contacts whose needs inventory answers are due.

Run it daily (or hourly: an answer is reminded at most once a day)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from larnav.needs import services


class Command(BaseCommand):
    help = ("Remind the municipal contacts (CKA) of every needs inventory answer that is not submitted, once the "
            "deadline is within the inventory's reminder days. At most once a day per answer.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Act as if today were this date (YYYY-MM-DD); for catching up.")

    def handle(self, *args, today=None, **options):
        day = None
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError("--today must be a date as YYYY-MM-DD.") from exc
        reminded = services.send_reminders(today=day)
        self.stdout.write(f"needs inventory reminders: {reminded}")
