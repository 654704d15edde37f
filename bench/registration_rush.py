"""Registration rush: many people booking the same sessions at the same moment.

Run by hand (needs PostgreSQL; uses a scratch database it creates and drops):

    .venv/bin/python bench/registration_rush.py [--registrations 2000] [--clients 50] [--seats 100]

It serves Lärnav with gunicorn on 127.0.0.1 against PostgreSQL, and 50 client
threads POST 2,000 registrations to /api/v1/sessions/{id}/registrations with a
coordinator's token, spread over sessions of 100 seats. It prints
registrations per second and p50/p95/p99 latency, then the correctness check
(no session oversold, counters equal to the rows, waiting lists in arrival
order). As the floor it runs the same transaction as raw SQL with psycopg from
50 threads in the same run (lock the session row, look for an existing
registration, insert, count, update the counters) and prints the ratio.
Goal: at least 15 % of the floor's rate, p99 under 250 ms, never a seat oversold.
"""

import argparse
import json
import os
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
PORT = int(os.environ.get("BENCH_PORT", "8765"))


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
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "larnav.settings",
                "LARNAV_SECRET_KEY": "bench-" + "x" * 60, "LARNAV_SECURE": "0", "LARNAV_DEBUG": "0",
                "LARNAV_ALLOWED_HOSTS": "127.0.0.1,localhost", "LARNAV_EMAIL_BACKEND": "locmem",
                "LARNAV_LOG_LEVEL": "WARNING"})
    return env


SETUP = """
import django, json, sys
django.setup()
from datetime import timedelta
from django.utils import timezone
from larnav.accounts.models import Role
from larnav.api.services import create_token
from larnav.catalog.models import Session
from larnav.core.testing import make_consortium, make_kommun, make_org, make_user
from larnav.organisations.models import Organisation
from larnav.registrations.testing import make_session
n_sessions, seats = int(sys.argv[1]), int(sys.argv[2])
c = make_consortium("Bench", slug="bench")
k = make_kommun(c, "Huddinge", "0126")
w = make_org(c, Organisation.Type.ENHET, "Solgården", k)
coordinator = make_user(c, Role.SAMORDNARE, username="bench-coordinator")
sessions = [make_session(c, capacity=seats, title=f"Kurs {i}").pk for i in range(n_sessions)]
token = create_token(coordinator, "bench")[1]
print(json.dumps({"token": token, "workplace": w.pk, "sessions": sessions}))
"""


def run_http(args, env, setup):
    gunicorn = [sys.executable, "-m", "gunicorn", "larnav.wsgi", "--bind", f"127.0.0.1:{PORT}",
                "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
                "--log-level", "warning"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                c = HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        per_client = args.registrations // args.clients
        latencies, statuses, lock = [], [], threading.Lock()
        barrier = threading.Barrier(args.clients)
        headers = {"Authorization": f"Bearer {setup['token']}", "Content-Type": "application/json"}

        def client(index):
            conn = HTTPConnection("127.0.0.1", PORT, timeout=30)
            barrier.wait()
            for i in range(per_client):
                n = index * per_client + i
                session_id = setup["sessions"][n % len(setup["sessions"])]
                body = json.dumps({"email": f"p{n}@bench.se", "first_name": "Anna", "last_name": f"Bench{n}",
                                   "workplace_id": setup["workplace"], "occupation": "stodassistent"})
                start = time.perf_counter()
                conn.request("POST", f"/api/v1/sessions/{session_id}/registrations", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    statuses.append(response.status)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        duration = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return latencies, statuses, duration


def check(database_url, seats):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("""
            SELECT s.id, s.capacity, s.confirmed_count, s.waitlist_count,
                   count(*) FILTER (WHERE r.status = 'confirmed'),
                   count(*) FILTER (WHERE r.status = 'waitlisted')
            FROM catalog_session s LEFT JOIN registrations_registration r ON r.session_id = s.id
            GROUP BY s.id""").fetchall()
        ok = all(conf <= cap and conf == cc and wait == wc for _id, cap, cc, wc, conf, wait in rows)
        # Arrival order: everyone confirmed queued no later than anyone still waiting.
        order = conn.execute("""
            SELECT count(*) FROM registrations_registration w JOIN registrations_registration c
              ON c.session_id = w.session_id AND c.status = 'confirmed'
            WHERE w.status = 'waitlisted' AND c.queued_at > w.queued_at""").fetchone()[0]
    return ok, order == 0, rows


FLOOR_SQL_SETUP = """
CREATE TABLE floor_session (id int primary key, capacity int, confirmed int default 0, waiting int default 0);
CREATE TABLE floor_registration (id bigserial primary key, session_id int, email text, status text,
  queued_at timestamptz default now());
CREATE UNIQUE INDEX ON floor_registration (session_id, email);
"""


def run_floor(database_url, args):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(FLOOR_SQL_SETUP)
        for i in range(args.sessions):
            conn.execute("INSERT INTO floor_session (id, capacity) VALUES (%s, %s)", (i, args.seats))
    per_client = args.registrations // args.clients
    barrier = threading.Barrier(args.clients)
    latencies, lock = [], threading.Lock()

    def client(index):
        with psycopg.connect(database_url) as conn:
            barrier.wait()
            for i in range(per_client):
                n = index * per_client + i
                sid = n % args.sessions
                start = time.perf_counter()
                with conn.transaction():
                    cap, confirmed = conn.execute(
                        "SELECT capacity, confirmed FROM floor_session WHERE id = %s FOR UPDATE", (sid,)).fetchone()
                    conn.execute("SELECT id FROM floor_registration WHERE session_id = %s AND email = %s",
                                 (sid, f"p{n}")).fetchone()
                    status = "confirmed" if confirmed < cap else "waitlisted"
                    conn.execute("INSERT INTO floor_registration (session_id, email, status) VALUES (%s, %s, %s)",
                                 (sid, f"p{n}", status))
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    name, url = create_database()
    try:
        env = django_env(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        out = subprocess.run([sys.executable, "-c", SETUP, str(args.sessions), str(args.seats)], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        latencies, statuses, duration = run_http(args, env, setup)
        ok, ordered, rows = check(url, args.seats)
        floor_latencies, floor_duration = run_floor(url, args)
    finally:
        drop_database(name)
    rate = len(latencies) / duration
    floor_rate = len(floor_latencies) / floor_duration
    print(f"Lärnav over HTTP: {len(latencies)} registrations in {duration:.2f} s = {rate:.0f}/s; "
          f"p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.1f} ms; statuses {sorted(set(statuses))}")
    print(f"Floor (raw SQL, psycopg, same transaction): {floor_rate:.0f}/s; "
          f"p50 {percentile(floor_latencies, 50) * 1000:.1f} ms, p99 {percentile(floor_latencies, 99) * 1000:.1f} ms")
    print(f"Ratio: {rate / floor_rate:.1%} of the floor's rate (goal ≥ 15 %)")
    confirmed = sum(r[4] for r in rows)
    waiting = sum(r[5] for r in rows)
    print(f"Correctness: {'OK' if ok else 'OVERSOLD OR COUNTERS WRONG'}; waiting lists in arrival order: "
          f"{'OK' if ordered else 'NO'}; {confirmed} confirmed, {waiting} waitlisted over {len(rows)} sessions")
    print(f"mean latency {statistics.mean(latencies) * 1000:.1f} ms")
    return 0 if ok and ordered else 1


if __name__ == "__main__":
    sys.exit(main())
