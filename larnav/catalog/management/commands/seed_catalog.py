"""python manage.py seed_catalog: load (or complete) the demo catalog of a consortium."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from larnav.catalog import demo
from larnav.organisations.models import Consortium

DEFAULT_SEED = 20260122
DEFAULT_CONSORTIUM = "forum-carpe"


class Command(BaseCommand):
    help = (
        "Create the demo catalog (about 150 activities and 400 sessions over 2026 and 2027) for a consortium. "
        "Deterministic and idempotent: what already exists is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consortium", default=None,
                            help=f"Slug of the consortium (default: {DEFAULT_CONSORTIUM}, or the only one).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the random generator.")

    def handle(self, *args, consortium, seed, **options):
        if consortium:
            found = Consortium.objects.filter(slug=consortium).first()
        else:
            found = Consortium.objects.filter(slug=DEFAULT_CONSORTIUM).first()
            if found is None and Consortium.objects.count() == 1:
                found = Consortium.objects.get()
        if found is None:
            raise CommandError("No such consortium: load the demo region first (manage.py seed_demo) "
                               "or name one with --consortium.")
        started = time.monotonic()
        counts = demo.seed_catalog(found, random.Random(seed))
        for name, value in counts.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
