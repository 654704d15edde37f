"""manage.py createapitoken USERNAME [--name LABEL]"""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from larnav.api import services
from larnav.api.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("createapitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_only_the_token(region):
    out, err = run("cka-taby", "--name", "Rapportverktyg")
    assert out.endswith("\n") and out.count("\n") == 1
    secret = out.strip()
    assert services.TOKEN_PATTERN.match(secret)
    assert secret not in err
    token = ApiToken.objects.get(user=region.cka_taby)
    assert token.name == "Rapportverktyg" and token.key_hash == services.hash_token(secret)
    assert services.user_for_token(secret) == region.cka_taby


def test_the_name_has_a_default(region):
    run("samordnare")
    assert ApiToken.objects.get(user=region.samordnare).name == "manage.py"


def test_unknown_and_inactive_users_are_refused(region):
    with pytest.raises(CommandError, match="No user"):
        run("finns-inte")
    region.cka_taby.is_active = False
    region.cka_taby.save()
    with pytest.raises(CommandError, match="inactive"):
        run("cka-taby")
    assert not ApiToken.objects.exists()


def test_a_script_can_capture_the_token(tmp_path):
    """Run the real command in a fresh process against its own SQLite database."""
    root = Path(__file__).resolve().parents[3]
    env = {"PATH": "/usr/bin:/bin", "LARNAV_DEBUG": "1", "LARNAV_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_SETTINGS_MODULE": "larnav.settings"}
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=root, env=env, check=True, capture_output=True, timeout=300)
    create_user = "from larnav.accounts.models import User; User.objects.create_user('robot', password='x')"
    subprocess.run([*manage, "shell", "-c", create_user], cwd=root, env=env, check=True, capture_output=True,
                   timeout=120)
    result = subprocess.run([*manage, "createapitoken", "robot", "--name", "CI"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert services.TOKEN_PATTERN.match(result.stdout.rstrip("\n"))
    assert result.stdout.count("\n") == 1
