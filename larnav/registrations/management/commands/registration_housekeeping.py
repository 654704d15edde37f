from django.core.management.base import BaseCommand

from larnav.registrations import services


class Command(BaseCommand):
    help = "Expire registrations nobody confirmed or approved in time, and remind managers of waiting approvals."

    def handle(self, *args, **options):
        expired = services.expire_pending()
        reminded = services.remind_approvers()
        self.stdout.write(f"expired: {expired}, approval reminders: {reminded}")
