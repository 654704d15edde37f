"""Registration rush: many people booking the same sessions at the same moment.

Run by hand (needs PostgreSQL; uses a scratch database it creates and drops):

    .venv/bin/python bench/registration_rush.py [--runs 3] [--registrations 2000] [--clients 50] [--seats 100]

It serves Lärnav with gunicorn on 127.0.0.1 against PostgreSQL, and 50 clients
POST 2,000 registrations to /api/v1/sessions/{id}/registrations with a
coordinator's token, spread over sessions of 100 seats (new sessions for each
run). Each run prints registrations per second and p50/p95/p99 latency, then
the correctness check (no session oversold, counters equal to the rows,
waiting lists in arrival order, every waitlisted registration told its own
place), and as the floor the same transaction as raw SQL with psycopg from 50
threads in the same run: lock the session row, look for an active
registration of the person, count, insert the registration and its history
event, update the session's counters. It prints the ratio of the two rates.
Goal: at least 15 % of the floor's rate, p99 under 250 ms, never a seat oversold.

Client k's i-th registration is for session i mod 10: the 50 clients start
together and move on at about the same pace, so they converge on one or two
sessions at a time, the worst case for the session's row lock (a course that
everybody wants the moment registration opens). Spread evenly over the
sessions instead, the rate was the same: the rush is bound by CPU.

Each run also prints the CPU per registration of the gunicorn workers and of
all PostgreSQL processes (read from /proc before and after the timed
registrations), and how the workers shared it: on this shared machine the
rate drifts by up to 1.5x from minute to minute with the same code, CPU per
registration much less.

The clients are one asyncio loop with 50 keep-alive HTTP/1.1 connections and
requests built before the start, so that they take little of the CPU that the
server, PostgreSQL and they share. Their own cost is printed: their CPU time
per request, and the rate of a hello-world view through the same server and
middleware (the most this HTTP stack could do on this machine).

The server: gunicorn with the production settings in gunicorn.conf.py
(gthread, one worker more than there are CPUs, two threads each), so that
about three requests are in progress per CPU; ``--workers`` and ``--threads``
override them. Production settings otherwise: DEBUG off, persistent database
connections (CONN_MAX_AGE 60 with health checks), log level WARNING and no
access log, the catalog cache on (30 s).

A running server is warm: before the clock starts, each client makes
``--warm-up`` (2) registrations for a session of its own, so that every server
thread has opened its database connection and run the registration's code
once. Without it the first 50 answers (0.5-1.3 s each, 2.5 % of the run) set
p99 by themselves; ``--warm-up 0`` measures a cold server. (Since the
layout below and the e-mail address patterns compiled at start-up in
larnav/wsgi.py, a cold server's p99 is 197-219 ms, 3 runs, against 249-266
ms with the patterns compiled by the first registration of each worker.)

With 50 clients each sending its next registration when the last is answered,
the mean latency is 50 divided by the rate (Little's law): p99 under 250 ms
is only possible at a few hundred registrations per second.

A gthread worker keeps every keep-alive connection it accepted, and the 50
clients connect within a millisecond: left alone, one worker often takes most
of them (up to 98 % of the registrations' CPU) while the others idle. Each
worker therefore keeps at most an equal share of the clients' connections
(``--worker-connections``, by default the clients divided by the workers,
rounded up; 0 leaves gunicorn's 1,000), as a load balancer in front of the
workers would spread them. gunicorn's ``--reuse-port`` (a listening socket per worker,
the kernel spreading connections by address) was tried instead: 18-39 % per
worker in one run, p99 230-363 ms.

How many requests are in progress decides the tail. With few, the thread
holding a session's row lock is soon back on a CPU, finishes and lets the
next one in; with many, it waits for its process's GIL and for the CPUs while
everyone behind it waits for the lock. Layouts on 2 CPUs, p99 over 3-5 runs
each, partly alternating: 3 x 2 180-199 ms at 358-394/s; 4 x 1 177-201 ms;
2 x 2 177-206 ms (340-367/s); 4 x 2 206-230 ms; 4 x 4 228-300 ms; 2 x 16
with its connections shared 336-338 ms, and left alone (the earlier default,
one worker taking 86-98 %) 299-380 ms at 257-276/s. Spread evenly over the
sessions instead of converging (``--registrations 2050`` puts client k's i-th
registration on session (k + i) mod 10), p99 was 182-193 ms against 228-269
at 4 x 4, but 176-201 ms against 203-207 at 3 x 2: with few requests in
progress the row lock costs the tail little, and what is left is the mean
(50 clients divided by the rate).

Mail: a registration queues the participant's e-mail in the outbox (one row,
nothing rendered) in the registration's transaction and, after
its commit, checks for a waiting delivery job (larnav/notifications/outbox.py);
no worker runs here, so nothing is rendered or sent during the rush.

Measured (2 runs, shared machine, load average 2.6 at the start and 6.0 at
the end): 184/s (178-190), p50 192 ms, p95 572 ms, p99 982 ms; floor
1,440/s; 12.8 % of the floor. Before the hot statements were written as SQL:
106/s, p99 1.1 s, 6.6 % (a quiet machine). bench/registration_profile.py has
the instructions per registration, step by step.

Measured again (a slower shared machine, runs alternating between the code
before and after, 3 runs each time): before, 146/s and 162/s, p99 729 and
817 ms, CPU per registration gunicorn 6.8 and 6.5 ms, PostgreSQL 3.2 and
3.0 ms; after the person look-up's plan (larnav/people/queries.py), the
health check without a round trip (larnav/core/postgresql) and the frozen
start-up objects (larnav/wsgi.py), 175/s and 176/s, p50 247 and 230 ms, p95
480 and 485 ms, p99 732 and 761 ms, gunicorn 6.5 and 5.8 ms, PostgreSQL 2.75
and 2.74 ms; floor 875-1,000/s, 17.4 and 22.3 % of it. The p99 goal is
still not met.

Measured on a faster day of the same kind of machine (its floor 1.5-1.6 k/s),
5 runs: with the server layout above, one cursor kept per database
connection and the connection proxy resolved once per statement
(larnav/core/sql.py), 417/s (400-429), p50 115 ms, p95 157 ms, p99 180 ms
(170-194), 25.9 % of the floor; gunicorn 2.95 ms and PostgreSQL 1.30 ms of
CPU per registration. The goals are met: at least 15 % of the floor, p99
under 250 ms, never a seat oversold. The same day, before these changes
(2 x 16, the connections left alone): 267/s (257-276), p99 339 ms (299-380),
gunicorn 3.74 ms; the new code with the old layout: 304/s, p99 440 ms
(395-486). On the slower days behind the figures above (gunicorn 6-10 ms per
registration) no layout reaches p99 250 ms: 50 clients at 200/s wait 250 ms
on average.
"""

import argparse
import asyncio
import json
import os
import runpy
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"
# The production layout (workers, threads) is the default.
SERVER = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# A port nobody else's bench is using, unless BENCH_PORT says otherwise.
PORT = int(os.environ.get("BENCH_PORT") or _free_port())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def create_database():
    name = f"larnav_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(name):
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_env(database_url):
    """Production settings (DEBUG off, persistent connections, the catalog cache on), plus /bench/hello."""
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.catalog_bench_settings",
                "PYTHONPATH": str(ROOT), "BENCH_CATALOG_CACHE_SECONDS": "30",
                "LARNAV_SECRET_KEY": "bench-" + "x" * 60, "LARNAV_SECURE": "0", "LARNAV_DEBUG": "0",
                "LARNAV_ALLOWED_HOSTS": "127.0.0.1,localhost", "LARNAV_EMAIL_BACKEND": "locmem",
                "LARNAV_LOG_LEVEL": "WARNING"})
    return env


SETUP = """
import django, json, sys
django.setup()
from larnav.accounts.models import Role, User
from larnav.api.services import create_token
from larnav.core.testing import make_consortium, make_kommun, make_org, make_user
from larnav.organisations.models import Consortium, Organisation
from larnav.people.models import Occupation
from larnav.registrations.testing import make_session
n_sessions, seats, run = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = Consortium.objects.filter(slug="bench").first()
if c is None:
    c = make_consortium("Bench", slug="bench")
    k = make_kommun(c, "Huddinge", "0126")
    make_org(c, Organisation.Type.ENHET, "Solgården", k)
    make_user(c, Role.SAMORDNARE, username="bench-coordinator")
    Occupation.objects.get_or_create(code="stodassistent", defaults={"name_sv": "Stödassistent",
                                                                     "name_en": "Support assistant"})
coordinator = User.objects.get(username="bench-coordinator")
w = Organisation.objects.get(consortium=c, name="Solgården")
sessions = [make_session(c, capacity=seats, title=f"Kurs {run}-{i}").pk for i in range(n_sessions)]
warm_up = make_session(c, capacity=10_000, title=f"Uppvärmning {run}").pk
token = create_token(coordinator, f"bench {run}")[1]
print(json.dumps({"token": token, "workplace": w.pk, "sessions": sessions, "warm_up": warm_up}))
"""


# --- The server -------------------------------------------------------------------------

def start_server(args, env):
    gunicorn = [sys.executable, "-m", "gunicorn", "larnav.wsgi", "--bind", f"{HOST}:{PORT}",
                "--workers", str(args.workers), "--worker-class", args.worker_class, "--log-level", "warning"]
    if args.worker_class == "gthread":
        gunicorn += ["--threads", str(args.threads)]
        if args.worker_connections:
            gunicorn += ["--worker-connections", str(args.worker_connections)]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    for _ in range(300):
        try:
            c = HTTPConnection(HOST, PORT, timeout=2)
            c.request("GET", "/bench/hello")
            if c.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _cpu_seconds(pid) -> float:
    """User and system CPU seconds of process ``pid`` (all its threads), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(server) -> tuple[float, float, dict]:
    """CPU seconds so far of the gunicorn workers and of every PostgreSQL process on this machine
    (its backends and its WAL writer, checkpointer, ...), and each worker's; read from /proc."""
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as children:
            workers = children.read().split()
    except OSError:
        workers = []
    postgres = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        postgres.append(entry)
            except OSError:
                pass
    each = {w: _cpu_seconds(w) for w in workers}
    return sum(each.values()), sum(_cpu_seconds(p) for p in postgres), each


def stop_server(server):
    server.terminate()
    server.wait(timeout=30)


# --- The clients: one asyncio loop, one keep-alive connection per client ----------------------

async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    body = await reader.readexactly(length) if length else b""
    return status, body, close


async def _clients(requests_per_client):
    """Send each client's requests in order over its connection; returns [(seconds, status, body)]."""
    results = []

    async def client(requests):
        reader, writer = await asyncio.open_connection(HOST, PORT)
        await start.wait()
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            status, body, close = await _read_response(reader)
            results.append((time.perf_counter() - started, status, body))
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.close()

    start = asyncio.Event()
    tasks = [asyncio.create_task(client(r)) for r in requests_per_client]
    await asyncio.sleep(0.2)  # every connection open
    cpu, wall = time.process_time(), time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return results, time.perf_counter() - wall, time.process_time() - cpu


def run_clients(requests_per_client):
    return asyncio.run(_clients(requests_per_client))


def hello_requests(args):
    request = f"GET /bench/hello HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    per_client = args.registrations // args.clients
    return [[request] * per_client for _ in range(args.clients)]


def registration_requests(args, setup, run, *, per_client=None, warm_up=False):
    """Each client's requests; ``warm_up``: to the warm-up session, by other people."""
    per_client = per_client or args.registrations // args.clients
    all_requests = []
    for index in range(args.clients):
        requests = []
        for i in range(per_client):
            n = index * per_client + i
            session_id = setup["warm_up"] if warm_up else setup["sessions"][n % len(setup["sessions"])]
            body = json.dumps({"email": f"{'w' if warm_up else 'p'}{run}-{n}@bench.se", "first_name": "Anna", "last_name": f"Bench{n}",
                               "workplace_id": setup["workplace"], "occupation": "stodassistent"}).encode()
            requests.append(
                f"POST /api/v1/sessions/{session_id}/registrations HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Authorization: Bearer {setup['token']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        all_requests.append(requests)
    return all_requests


# --- Correctness --------------------------------------------------------------------------

def check(database_url, session_ids, results):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("""
            SELECT s.id, s.capacity, s.confirmed_count, s.waitlist_count,
                   count(r.id) FILTER (WHERE r.status = 'confirmed'),
                   count(r.id) FILTER (WHERE r.status = 'waitlisted')
            FROM catalog_session s LEFT JOIN registrations_registration r ON r.session_id = s.id
            WHERE s.id = ANY(%s) GROUP BY s.id""", (session_ids,)).fetchall()
        counted = all(conf <= cap and conf == cc and wait == wc for _id, cap, cc, wc, conf, wait in rows)
        # Arrival order: everyone confirmed queued no later than anyone still waiting.
        out_of_order = conn.execute("""
            SELECT count(*) FROM registrations_registration w JOIN registrations_registration c
              ON c.session_id = w.session_id AND c.status = 'confirmed'
            WHERE w.session_id = ANY(%s) AND w.status = 'waitlisted' AND c.queued_at > w.queued_at""",
                                    (session_ids,)).fetchone()[0]
        queue = {reg_id: position for reg_id, position in conn.execute("""
            SELECT id, row_number() OVER (PARTITION BY session_id ORDER BY queued_at, id)
            FROM registrations_registration WHERE session_id = ANY(%s) AND status = 'waitlisted'""",
                                                                        (session_ids,))}
    told = {}
    for _seconds, status, body in results:
        if status == 201:
            answer = json.loads(body)
            if answer["status"] == "waitlisted":
                told[answer["id"]] = answer["waitlist_position"]
    places_right = told == queue
    return counted, out_of_order == 0, places_right, rows


# --- The floor: the same transaction in raw SQL -------------------------------------------------

FLOOR_SQL_SETUP = """
CREATE TABLE IF NOT EXISTS floor_session (id int primary key, capacity int, confirmed int default 0,
  waiting int default 0);
CREATE TABLE IF NOT EXISTS floor_registration (id bigserial primary key, session_id int, email text,
  status text, queued_at timestamptz default now());
CREATE UNIQUE INDEX IF NOT EXISTS floor_registration_active ON floor_registration (session_id, email);
CREATE TABLE IF NOT EXISTS floor_event (id bigserial primary key, registration_id bigint, to_status text,
  reason text, at timestamptz default now());
"""


def run_floor(database_url, args, run):
    first = run * args.sessions
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(FLOOR_SQL_SETUP)
        for i in range(args.sessions):
            conn.execute("INSERT INTO floor_session (id, capacity) VALUES (%s, %s)", (first + i, args.seats))
    per_client = args.registrations // args.clients
    barrier = threading.Barrier(args.clients)
    latencies, lock = [], threading.Lock()

    def client(index):
        with psycopg.connect(database_url) as conn:
            barrier.wait()
            for i in range(per_client):
                n = index * per_client + i
                sid, email = first + n % args.sessions, f"p{run}-{n}"
                start = time.perf_counter()
                with conn.transaction():
                    cap, confirmed = conn.execute(
                        "SELECT capacity, confirmed FROM floor_session WHERE id = %s FOR UPDATE", (sid,)).fetchone()
                    conn.execute("SELECT id FROM floor_registration WHERE session_id = %s AND email = %s",
                                 (sid, email)).fetchone()
                    status = "confirmed" if confirmed < cap else "waitlisted"
                    reg_id = conn.execute(
                        "INSERT INTO floor_registration (session_id, email, status) VALUES (%s, %s, %s) RETURNING id",
                        (sid, email, status)).fetchone()[0]
                    conn.execute("INSERT INTO floor_event (registration_id, to_status, reason) VALUES (%s, %s, %s)",
                                 (reg_id, status, "Registered"))
                    if status == "confirmed":
                        conn.execute("UPDATE floor_session SET confirmed = confirmed + 1 WHERE id = %s", (sid,))
                    else:
                        conn.execute("UPDATE floor_session SET waiting = waiting + 1 WHERE id = %s", (sid,))
                with lock:
                    latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started


# --- Main ----------------------------------------------------------------------------------------

def ms(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--workers", type=int, default=SERVER["workers"])
    parser.add_argument("--threads", type=int, default=SERVER["threads"])
    parser.add_argument("--worker-connections", type=int, default=-1, metavar="N",
                        help="gthread: connections a worker keeps open at most (default: an equal share of "
                             "the clients' connections; 0: gunicorn's default, 1000)")
    parser.add_argument("--warm-up", type=int, default=2, metavar="N",
                        help="registrations per client to a session of its own before the clock starts (0: none)")
    args = parser.parse_args()
    if args.worker_connections < 0:
        args.worker_connections = -(-args.clients // args.workers)
    print(f"{args.registrations} registrations from {args.clients} clients to {args.sessions} sessions of "
          f"{args.seats} seats; gunicorn {args.worker_class}, {args.workers} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
          + (f", {args.worker_connections} connections each" if args.worker_connections else "")
          + f"; warm-up {args.warm_up} per client; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    name, url = create_database()
    summary = []
    ok = True
    try:
        env = django_env(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        for run in range(1, args.runs + 1):
            out = subprocess.run([sys.executable, "-c", SETUP, str(args.sessions), str(args.seats), str(run)],
                                 cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
            setup = json.loads(out.strip().splitlines()[-1])
            requests = registration_requests(args, setup, run)
            # A fresh server for each run; stopped before the floor, so that its persistent database
            # connections and the floor's do not add up.
            server = start_server(args, env)
            try:
                hello, hello_duration, hello_cpu = run_clients(hello_requests(args))
                if args.warm_up:
                    run_clients(registration_requests(args, setup, run, per_client=args.warm_up, warm_up=True))
                cpu_before = server_cpu(server)
                results, duration, cpu = run_clients(requests)
                cpu_after = server_cpu(server)
            finally:
                stop_server(server)
            counted, ordered, places, rows = check(url, setup["sessions"], results)
            floor_latencies, floor_duration = run_floor(url, args, run)
            latencies = [r[0] for r in results]
            statuses = sorted({r[1] for r in results})
            rate, floor_rate = len(results) / duration, len(floor_latencies) / floor_duration
            hello_rate = len(hello) / hello_duration
            p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
            confirmed, waiting = sum(r[4] for r in rows), sum(r[5] for r in rows)
            run_ok = counted and ordered and places and statuses == [201]
            ok = ok and run_ok
            gunicorn_ms, postgres_ms = ((after - before) / len(results) * 1000
                                        for before, after in zip(cpu_before[:2], cpu_after[:2], strict=True))
            # How the registrations' CPU was shared among the workers (each keeps the connections it accepted).
            shares = sorted((cpu_after[2][w] - cpu_before[2].get(w, 0.0)) for w in cpu_after[2])
            shares = [f"{share / (sum(shares) or 1):.0%}" for share in shares]
            summary.append((rate, p50, p95, p99, floor_rate, rate / floor_rate, hello_rate, gunicorn_ms,
                            postgres_ms))
            print(f"Run {run}: Lärnav over HTTP {rate:.0f}/s ({len(results)} in {duration:.1f} s); "
                  f"p50 {ms(p50)}, p95 {ms(p95)}, p99 {ms(p99)}; statuses {statuses}")
            print(f"       floor (raw SQL, psycopg, same transaction, {args.clients} threads): "
                  f"{floor_rate:.0f}/s; p50 {ms(percentile(floor_latencies, 50))}, "
                  f"p99 {ms(percentile(floor_latencies, 99))}")
            print(f"       ratio {rate / floor_rate:.1%} of the floor's rate (goal ≥ 15 %); "
                  f"correctness: {'OK' if counted else 'OVERSOLD OR COUNTERS WRONG'}, waiting lists in "
                  f"arrival order: {'OK' if ordered else 'NO'}, places told: {'OK' if places else 'WRONG'}; "
                  f"{confirmed} confirmed, {waiting} waitlisted")
            print(f"       the clients: {cpu / len(results) * 1000:.2f} ms CPU per registration; hello world "
                  f"through the same server {hello_rate:.0f}/s, p50 {ms(percentile([h[0] for h in hello], 50))}, "
                  f"{hello_cpu / len(hello) * 1000:.2f} ms client CPU per request")
            print(f"       CPU per registration: gunicorn's workers {gunicorn_ms:.2f} ms (shared "
                  f"{' / '.join(shares)}), PostgreSQL {postgres_ms:.2f} ms (all its processes on this machine)")
    finally:
        from contextlib import suppress

        with suppress(Exception):
            drop_database(name)
    if len(summary) > 1:
        def spread(i, fmt):
            values = [s[i] for s in summary]
            return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"

        print(f"Median (min–max) of {len(summary)} runs: {spread(0, lambda v: f'{v:.0f}/s')}; "
              f"p50 {spread(1, ms)}, p95 {spread(2, ms)}, p99 {spread(3, ms)}; "
              f"floor {spread(4, lambda v: f'{v:.0f}/s')}; ratio {spread(5, lambda v: f'{v:.1%}')}; "
              f"hello world {spread(6, lambda v: f'{v:.0f}/s')}; CPU per registration: gunicorn "
              f"{spread(7, lambda v: f'{v:.2f} ms')}, PostgreSQL {spread(8, lambda v: f'{v:.2f} ms')}")
    print(f"Load average now {os.getloadavg()[0]:.1f} (other work on the machine shares its CPUs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
