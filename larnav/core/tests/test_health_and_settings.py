import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db.utils import OperationalError

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _production_env(tmp_path) -> dict:
    """This process's environment without Lärnav's and Django's settings, plus production ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LARNAV_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "larnav.settings",
        "LARNAV_SECRET_KEY": "k8#Xz!q2Lw9@Rt5$Vn3^Bm7&Hj1*Pd6(Gf4)Sa0-Ce8+Yu2=Io5_Kl9~Nb3<Mv7>Qx",
        "LARNAV_ALLOWED_HOSTS": "larnav.example.se",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LARNAV_VAR_DIR": str(tmp_path),
    })
    return env


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_gunicorn_reads_the_production_layout_and_loads_the_application(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "larnav.wsgi"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = dict(map(str.strip, line.split(" = ", 1)) for line in result.stdout.splitlines() if " = " in line)
    settings = {name: printed[name] for name in ("worker_class", "workers", "threads", "bind")}
    assert settings == {"worker_class": "gthread", "workers": str((os.cpu_count() or 1) + 1), "threads": "2",
                        "bind": "['0.0.0.0:8000']"}


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LARNAV_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "larnav.settings", "LARNAV_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "LARNAV_SECRET_KEY" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LARNAV_", "DJANGO_", "DATABASE_URL"))}
    env.update({"LARNAV_DEBUG": "1", "LARNAV_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "larnav.settings"})
    code = (
        "import django; django.setup();"
        "from django.db import connection; connection.ensure_connection();"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]
