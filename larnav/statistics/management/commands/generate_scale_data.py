"""python manage.py generate_scale_data: a national-size data set for benchmarks and trying the reports."""

from django.core.management.base import BaseCommand, CommandError

from larnav.statistics import scale


class Command(BaseCommand):
    help = (
        "Build a national-size data set (municipalities, workplaces, staff, offer, registrations with "
        "outcomes and attendance) in a consortium of its own, with bulk writes (COPY on PostgreSQL). "
        "Use a database of its own: the data is made up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipalities", type=int, default=290, help="Number of municipalities (default 290).")
        parser.add_argument("--persons", type=int, default=300_000, help="Number of staff (default 300 000).")
        parser.add_argument("--registrations", type=int, default=3_000_000,
                            help="Number of registrations, all statuses (default 3 000 000).")
        parser.add_argument("--first-year", type=int, help="First year of sessions (default: two years ago).")
        parser.add_argument("--last-year", type=int, help="Last year of sessions (default: this year).")
        parser.add_argument("--slug", default="nationell-skala", help="Slug of the new consortium.")
        parser.add_argument("--no-attendance", action="store_true", help="Write no attendance records.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")

    def handle(self, *args, **o):
        if o["municipalities"] < 1 or o["persons"] < 1 or o["registrations"] < 0:
            raise CommandError("Give at least one municipality and one person, and no negative numbers.")
        if o["first_year"] and o["last_year"] and o["first_year"] > o["last_year"]:
            raise CommandError("--first-year must not come after --last-year.")
        try:
            summary = scale.generate(
                municipalities=o["municipalities"], persons=o["persons"], registrations=o["registrations"],
                first_year=o["first_year"], last_year=o["last_year"], slug=o["slug"],
                attendance=not o["no_attendance"], seed=o["seed"], progress=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
