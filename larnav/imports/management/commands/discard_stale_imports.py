from django.core.management.base import BaseCommand

from larnav.imports import services


class Command(BaseCommand):
    help = "Discard import previews nobody confirmed within a week: their stored rows hold personal data."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=services.PREVIEW_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        self.stdout.write(f"discarded: {services.discard_stale_previews(days=days)}")
