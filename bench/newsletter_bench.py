"""Newsletter delivery: 10,000 recipients to a local SMTP server, against a plain smtplib loop.

Run by hand (PostgreSQL by default, in a scratch database it creates and drops;
``--sqlite`` uses a scratch SQLite file instead):

    .venv/bin/python bench/newsletter_bench.py [--recipients 10000] [--batch 200] [--sqlite]

It starts an aiosmtpd sink on 127.0.0.1 (in a process of its own), makes a consortium with that many
staff, and sends a newsletter to them the way the worker does
(``larnav.newsletters.delivery.run``, repeated until the newsletter is sent):
recipient rows made in bulk, batches claimed, each message built with its own
unsubscribe link and handed to Django's SMTP backend over one connection,
each row marked sent. It prints messages per second, with and without making
the recipient rows.

The floor, in the same run and to the same sink: the same messages, already
built and serialised, sent by a plain ``smtplib`` loop over one connection
(no database, no rendering). The ratio is the product's rate over the floor's.
"""

import argparse
import os
import smtplib
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


class Sink:
    """Counts what arrives (in memory shared with the bench) and over how many connections; keeps nothing."""

    def __init__(self, count, connections):
        self.count, self.connections, self.peers = count, connections, set()

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        self.peers.add(session.peer)
        self.connections.value = len(self.peers)
        return "250 OK"


def serve_sink(port, count, connections, ready, stop):
    """The SMTP sink, in its own process: it must not share the bench's interpreter (and its lock)."""
    from aiosmtpd.controller import Controller

    sink = Sink(count, connections)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SinkProcess:
    def __init__(self):
        import multiprocessing

        self.port = free_port()
        self._count = multiprocessing.Value("i", 0)
        self._connections = multiprocessing.Value("i", 0)
        ready, self._stop = multiprocessing.Event(), multiprocessing.Event()
        self._process = multiprocessing.Process(
            target=serve_sink, args=(self.port, self._count, self._connections, ready, self._stop), daemon=True)
        self._process.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")

    @property
    def count(self) -> int:
        return self._count.value

    @count.setter
    def count(self, value: int) -> None:
        self._count.value = value

    @property
    def connections(self) -> int:
        return self._connections.value

    def stop(self):
        self._stop.set()
        self._process.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(use_sqlite: bool):
    if use_sqlite:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = f"larnav_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name, drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200, help="rows claimed per batch (LARNAV_NEWSLETTER_BATCH_SIZE)")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead of PostgreSQL")
    args = parser.parse_args()

    sink = SinkProcess()
    database_url, drop_database = scratch_database(args.sqlite)
    os.environ.update({
        "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "larnav.settings",
        "LARNAV_SECRET_KEY": "bench-" + "x" * 60, "LARNAV_SECURE": "0", "LARNAV_DEBUG": "0",
        "LARNAV_ALLOWED_HOSTS": "127.0.0.1", "LARNAV_EMAIL_BACKEND": "smtp", "LARNAV_EMAIL_HOST": "127.0.0.1",
        "LARNAV_EMAIL_PORT": str(sink.port), "LARNAV_TASKS_BACKEND": "immediate",
        "LARNAV_LOG_LEVEL": "WARNING",
    })
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.LARNAV_NEWSLETTER_BATCH_SIZE = args.batch
        print(f"==> Migrating a scratch database ({'SQLite' if args.sqlite else 'PostgreSQL'})")
        call_command("migrate", verbosity=0)
        run_bench(args, sink)
    finally:
        sink.stop()
        drop_database()


def run_bench(args, sink):
    from django.utils import timezone

    from larnav.core.testing import make_consortium, make_kommun, make_org
    from larnav.newsletters import delivery, mail
    from larnav.newsletters.models import Delivery, Newsletter
    from larnav.newsletters.testing import make_newsletter
    from larnav.organisations.models import Organisation
    from larnav.people.models import Person

    n = args.recipients
    consortium = make_consortium("Benchsamverkan", slug="bench")
    consortium.contact_email = "info@bench.example.se"
    consortium.save()
    kommun = make_kommun(consortium, "Huddinge", "0126")
    workplace = make_org(consortium, Organisation.Type.ENHET, "Solgården", kommun)
    Person.objects.bulk_create([
        Person(consortium=consortium, workplace=workplace, first_name="Anna", last_name=f"Åström {i}",
               email=f"person{i}@bench.example.se", language="en" if i % 5 == 0 else "sv")
        for i in range(n)
    ], batch_size=2000)
    body = ("## Höstens utbud\n\nNu är anmälan öppen till höstens utbildningar. **Anmäl dig i tid**: "
            "platserna brukar ta slut.\n\n- Bemötande i LSS\n- Lågaffektivt bemötande\n- Dokumentation\n\n"
            "[Se hela utbudet](https://larnav.example.se/utbud/)\n") * 3
    newsletter = make_newsletter(consortium, subject="Höstens utbud är här", body=body, include_staff=True)
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Newsletter.Status.SCHEDULED, send_at=timezone.now())

    print(f"==> Lärnav: a newsletter to {n} recipients, batches of {args.batch}")
    started = time.perf_counter()
    report = delivery.run(newsletter.pk, max_batches=0)  # start it and make the recipient rows only
    made = time.perf_counter()
    runs = 0
    while not report.finished:
        report = delivery.run(newsletter.pk)
        runs += 1
        if runs > 1000:
            raise SystemExit("delivery does not finish")
    finished = time.perf_counter()
    sent = Delivery.objects.filter(newsletter=newsletter, status=Delivery.Status.SENT).count()
    assert sent == n == sink.count, (sent, n, sink.count)
    product_rate = n / (finished - made)
    product_total_rate = n / (finished - started)
    print(f"    recipient rows made in {made - started:.2f} s")
    print(f"    sent {n} in {finished - made:.2f} s over {sink.connections} SMTP connection(s) "
          f"({runs} run(s)): {product_rate:,.0f} messages/s ({product_total_rate:,.0f}/s with the rows)")

    print("==> Floor: the same messages, built beforehand, in a plain smtplib loop over one connection")
    prepared = mail.prepare(Newsletter.objects.select_related("consortium").get(pk=newsletter.pk))
    rows = list(Delivery.objects.filter(newsletter=newsletter).order_by("pk"))
    messages = []
    for row in rows:
        message = mail.build(prepared, row)
        messages.append((message.from_email, [row.email], message.message().as_bytes(linesep="\r\n")))
    sink.count = 0
    from django.conf import settings

    floor_started = time.perf_counter()
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as smtp:
        for from_email, to, data in messages:
            smtp.sendmail(from_email, to, data)
    floor_time = time.perf_counter() - floor_started
    assert sink.count == n, sink.count
    floor_rate = n / floor_time
    print(f"    sent {n} in {floor_time:.2f} s: {floor_rate:,.0f} messages/s")
    print()
    print(f"Lärnav {product_rate:,.0f} msg/s, plain smtplib {floor_rate:,.0f} msg/s: "
          f"ratio {product_rate / floor_rate:.2f} ({product_total_rate / floor_rate:.2f} with the recipient rows)")


if __name__ == "__main__":
    main()
