"""python manage.py seed_demo: load (or bring up to date) the demo region."""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from larnav.catalog.demo import seed_catalog
from larnav.core import demo
from larnav.needs.demo import seed_needs
from larnav.plans import demo as plan_demo
from larnav.registrations.demo import seed_registrations
from larnav.surveys.demo import seed_surveys

CATALOG_SEED = 20260122


class Command(BaseCommand):
    help = (
        "Create or update the demo region (a Forum Carpe-like consortium in Stockholms län) "
        "and a demo user for every role. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=demo.DEFAULT_PERSONS,
                            help=f"Number of staff to create (default {demo.DEFAULT_PERSONS}).")
        parser.add_argument("--workplaces", type=int, default=demo.DEFAULT_WORKPLACES,
                            help=f"Number of workplaces to create (default {demo.DEFAULT_WORKPLACES}).")
        parser.add_argument("--skip-catalog", action="store_true",
                            help="Only the region, persons and users: no catalog and no registrations.")
        parser.add_argument("--allow-smtp", action="store_true",
                            help="Load the demo even though e-mail is delivered by SMTP.")

    def handle(self, *args, persons, workplaces, allow_smtp, skip_catalog=False, **options):
        # The demo's made-up staff have addresses at real municipal domains: never mail them.
        if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and not allow_smtp:
            raise CommandError(
                "E-mail is delivered by SMTP here, and the demo staff have made-up addresses at real "
                "municipal domains. Use a console or locmem e-mail backend (LARNAV_DEBUG=1 does), "
                "or pass --allow-smtp."
            )
        started = time.monotonic()
        try:
            summary = demo.build_demo(persons=persons, workplaces=workplaces)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not skip_catalog:
            consortium = demo.demo_consortium()
            catalog = seed_catalog(consortium, random.Random(CATALOG_SEED))
            registrations = seed_registrations(consortium, random.Random(CATALOG_SEED + 1))
            needs = seed_needs(consortium, random.Random(CATALOG_SEED + 2))
            surveys = seed_surveys(consortium, random.Random(CATALOG_SEED + 3))
            self.stdout.write(
                f"Catalog: {catalog['activities']} activities, {catalog['sessions']} sessions "
                f"({catalog['upcoming_sessions']} upcoming); {registrations['registrations']} registrations; "
                f"{needs['total_campaigns']} needs inventories; "
                f"{surveys['rounds']} survey rounds with {surveys['responses']} responses."
            )
        plan = plan_demo.seed_plan(demo.demo_consortium())
        self.stdout.write(f"Annual plan {plan_demo.YEAR}: {plan['goals']} goals.")
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
