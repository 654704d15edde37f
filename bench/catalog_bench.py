"""Catalog page throughput against a hello-world floor, served by gunicorn in the same run.

Run by hand (not part of the test suite):

    .venv/bin/python bench/catalog_bench.py [--database sqlite|postgres] [--seconds 10] [--clients 4]

It builds 2,000 activities and 10,000 sessions (with their occasions) in a
scratch database (an SQLite file in a temporary directory, or a PostgreSQL
database it creates and drops), serves Lärnav with gunicorn on 127.0.0.1, and
has client processes request each target URL for a fixed time. For every
target it prints requests per second and p50/p95 latency, and the ratio to the
hello-world view (bench/catalog_bench_urls.py), which runs through the same
middleware and the same server. Goal: the catalog page within 4x the floor.

``--cache-seconds 30`` measures with the catalog's optional result cache on.

More targets: add them to TARGETS below, or pass ``--target name=/path?query``
(for example the sessions API once it exists).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A port nobody else's bench is using, unless BENCH_PORT says otherwise.
PORT = int(os.environ.get("BENCH_PORT") or _free_port())
FLOOR = "hello"

# (name, path); the first is the floor the others are compared with.
TARGETS = [
    (FLOOR, "/bench/hello"),
    ("catalog", "/utbud/"),
    ("catalog, search and filters", "/utbud/?q=bem%C3%B6tande&mode=physical&free=on"),
    ("catalog, by title, page 20", "/utbud/?sort=title&page=20"),
    ("catalog calendar feed (filtered)", "/utbud/kalender.ics?q=bem%C3%B6tande&scope=regional"),
]

SETUP = r"""
import json, random, sys, uuid
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from larnav.catalog.models import Activity, FocusArea, Occasion, Session
from larnav.catalog.text import fold, swedish_sort_key
from larnav.core.testing import make_consortium, make_kommun
from larnav.people.models import Occupation

activities_wanted, sessions_wanted = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(2026)
c = make_consortium("Bench-samverkan", slug="bench")
c.domain = "127.0.0.1"  # served at its own host name, as in production
c.save(update_fields=["domain"])
names = ["Huddinge", "Täby", "Nacka", "Södertälje", "Botkyrka", "Solna", "Sollentuna", "Järfälla", "Haninge",
         "Sundbyberg", "Lidingö", "Tyresö", "Upplands Väsby", "Vallentuna", "Österåker", "Värmdö"]
kommuner = [make_kommun(c, n, f"{101 + i:04d}") for i, n in enumerate(names)]
focus = FocusArea.objects.bulk_create([FocusArea(consortium=c, name=n) for n in [
    "LSS", "Socialpsykiatri", "Delaktighet", "Kommunikation och AKK", "Dokumentation", "Bemötande",
    "Hälso- och sjukvård", "Arbetsliv och ekonomisk trygghet", "Ledarskap", "Introduktion"]])
subjects = ["Bemötande", "Lågaffektivt bemötande", "AKK", "Dokumentation", "Delaktighetsmodellen", "Autism",
            "Återhämtning", "Motiverande samtal", "Läkemedelshantering", "Tydliggörande pedagogik", "Etik",
            "Ledarskap", "Samordnad individuell plan", "Sexualitet och relationer", "Suicidprevention"]
audiences = ["för stödassistenter", "för boendestödjare", "för chefer", "på lättare svenska", "grundkurs",
             "fördjupning", "för LSS-handläggare", "för sjuksköterskor", "i vardagen", "nätverk"]
types = [t for t, _ in Activity.Type.choices]
text = ("Kursen ger kunskap om stöd till personer med funktionsnedsättning, om lagstiftningen och om "
        "hur du som medarbetare kan arbeta med delaktighet, bemötande och dokumentation i vardagen. ")
activities = []
for i in range(activities_wanted):
    title = f"{rng.choice(subjects)} {rng.choice(audiences)} {i + 1}"
    description = text * rng.randint(1, 4)
    activities.append(Activity(
        consortium=c, type=rng.choice(types[:-1]), title=title, description=description,
        level=rng.choice(["", "grund", "fordjupning"]), price=rng.choice([0, 0, 600, 1500]),
        status="published" if rng.random() < 0.95 else "draft",
        search_text=fold(f"{title} {description}"), sort_title=swedish_sort_key(title)))
activities = Activity.objects.bulk_create(activities, batch_size=500)
Through = Activity.focus_areas.through
Through.objects.bulk_create([Through(activity_id=a.pk, focusarea_id=f.pk) for a in activities
                             for f in rng.sample(focus, rng.randint(1, 2))], batch_size=2000)
now = timezone.now().replace(minute=0, second=0, microsecond=0)
sessions, occasion_plans = [], []
for i in range(sessions_wanted):
    start = now + timedelta(days=rng.randint(-300, 400), hours=rng.randint(-3, 3))
    count = rng.choice([1, 1, 1, 2, 3])
    starts = [start + timedelta(days=7 * k) for k in range(count)]
    digital = rng.random() < 0.2
    capacity = rng.randint(15, 100)
    confirmed = min(capacity, rng.randint(0, capacity + 10))
    status = "completed" if start < now else rng.choice(["open", "open", "planned"])
    if rng.random() < 0.02:
        status = "cancelled"
    sessions.append(Session(
        consortium=c, activity=rng.choice(activities), capacity=capacity, confirmed_count=confirmed,
        waitlist_count=rng.randint(0, 5) if confirmed == capacity else 0, status=status, uid=uuid.uuid4(),
        owner_municipality=rng.choice(kommuner) if rng.random() < 0.1 else None,
        first_start=starts[0], last_end=starts[-1] + timedelta(hours=3), is_digital=digital,
        is_physical=not digital))
    occasion_plans.append((starts, digital))
sessions = Session.objects.bulk_create(sessions, batch_size=1000)
occasions = [Occasion(session=s, start=t, end=t + timedelta(hours=3), place="" if digital else "Kommunhuset",
                      digital_link="https://teams.microsoft.com/l/x" if digital else "")
             for s, (starts, digital) in zip(sessions, occasion_plans) for t in starts]
Occasion.objects.bulk_create(occasions, batch_size=2000)
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done on a live database
print(json.dumps({"activities": Activity.objects.count(), "sessions": Session.objects.count(),
                  "occasions": Occasion.objects.count()}))
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def django_env(database_url):
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.catalog_bench_settings",
                "PYTHONPATH": str(ROOT), "LARNAV_SECRET_KEY": "bench-" + "x" * 60, "LARNAV_SECURE": "0",
                "LARNAV_DEBUG": "0", "LARNAV_ALLOWED_HOSTS": "127.0.0.1,localhost", "LARNAV_EMAIL_BACKEND": "locmem",
                "LARNAV_LOG_LEVEL": "WARNING"})
    return env


class ScratchDatabase:
    """An SQLite file in a temporary directory, or a PostgreSQL database created and dropped here."""

    def __init__(self, kind: str):
        self.kind = kind
        self.directory = self.name = None

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            self.directory = tempfile.mkdtemp(prefix="larnav-bench-")
            os.environ["LARNAV_VAR_DIR"] = self.directory
            return f"sqlite:///{self.directory}/bench.sqlite3"
        import psycopg

        self.name = f"larnav_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def __exit__(self, *exc):
        if os.environ.get("BENCH_KEEP"):
            print(f"Kept the scratch database: {self.directory or self.name}")
            return
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        if self.name:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _client(path: str, seconds: float, start_at: float, queue) -> None:
    """One client process: requests ``path`` over a keep-alive connection until the time is up."""
    latencies, errors = [], 0
    conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
        except OSError:
            errors += 1
            conn.close()
            conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
        latencies.append(time.perf_counter() - started)
    queue.put((latencies, errors))


def measure(path: str, seconds: float, clients: int) -> dict:
    """Requests per second and latency percentiles for ``path`` with ``clients`` client processes."""
    _client(path, 1.0, 0, _Discard())  # warm-up: caches, connections, the first page of queries
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.3
    processes = [context.Process(target=_client, args=(path, seconds, start_at, queue)) for _ in range(clients)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    latencies = [latency for result, _errors in results for latency in result]
    errors = sum(e for _result, e in results)
    return {
        "requests": len(latencies), "errors": errors, "rps": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
        "mean_ms": statistics.mean(latencies) * 1000,
    }


class _Discard:
    def put(self, item):
        pass


def port_is_free() -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", PORT)) != 0


def wait_until_up(server) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            conn = HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=10.0, help="Measuring time per target.")
    parser.add_argument("--clients", type=int, default=4, help="Client processes (concurrent requests).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=2, help="Threads per gunicorn worker.")
    parser.add_argument("--cache-seconds", type=int, default=0,
                        help="Turn on the catalog's result cache (LARNAV_CATALOG_CACHE_SECONDS) for the run.")
    parser.add_argument("--target", action="append", default=[], metavar="NAME=PATH",
                        help="Another URL to measure, e.g. --target 'sessions API=/api/v1/sessions'.")
    args = parser.parse_args()
    targets = TARGETS + [tuple(t.split("=", 1)) for t in args.target]

    if not port_is_free():
        raise SystemExit(f"Port {PORT} is in use: stop what listens there or set BENCH_PORT.")
    with ScratchDatabase(args.database) as database_url:
        env = django_env(database_url)
        env["BENCH_CATALOG_CACHE_SECONDS"] = str(args.cache_seconds)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)
        built = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", SETUP, str(args.activities), str(args.sessions)], cwd=ROOT,
                             env=env, check=True, capture_output=True, text=True).stdout
        sizes = json.loads(out.strip().splitlines()[-1])
        print(f"Database: {args.database}; built {sizes['activities']} activities, {sizes['sessions']} sessions, "
              f"{sizes['occasions']} occasions in {time.perf_counter() - built:.1f} s")
        gunicorn = [sys.executable, "-m", "gunicorn", "larnav.wsgi", "--bind", f"127.0.0.1:{PORT}",
                    "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
                    "--log-level", "warning"]
        server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
        results = {}
        try:
            wait_until_up(server)
            print(f"gunicorn: {args.workers} workers x {args.threads} threads; {args.clients} client processes, "
                  f"{args.seconds:.0f} s per target, keep-alive; {os.cpu_count()} CPUs shared by server and clients; "
                  f"catalog result cache: {f'{args.cache_seconds} s' if args.cache_seconds else 'off'}")
            for name, path in targets:
                results[name] = measure(path, args.seconds, args.clients)
        finally:
            server.terminate()
            server.wait(timeout=30)

    floor = results[FLOOR]
    print(f"\n{'target':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'vs floor':>9}")
    for name, _path in targets:
        r = results[name]
        ratio = floor["rps"] / r["rps"] if r["rps"] else float("inf")
        print(f"{name:<34} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['errors']:>7} {ratio:>8.2f}x")
    print(f"\nLoad average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          "(other work on the machine makes every figure slower, the ratio less so)")
    clean = all(r["errors"] == 0 for r in results.values())
    catalog_ratio = floor["rps"] / results["catalog"]["rps"]
    verdict = ("met" if catalog_ratio <= 4 else "NOT met") if clean else "not measured: some requests failed"
    print(f"\nCatalog page: {catalog_ratio:.2f}x the hello-world floor's time per request (goal: within 4x) – "
          f"{verdict}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
