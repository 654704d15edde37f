"""Swedish is the default language and must be complete; the compiled catalogue must match."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def untranslated(po):
    return [e.msgid for e in po if not e.obsolete and ("fuzzy" in e.flags or not e.translated())]


def test_swedish_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert untranslated(po) == []
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(PO.with_suffix(".mo")))}
    for entry in po:
        if entry.obsolete:
            continue
        assert (entry.msgctxt, entry.msgid) in mo, f"django.mo is stale: recompile ({entry.msgid!r})"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract messages from a copy of the tree with Django's makemessages and compare."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is needed for this check: sudo apt-get install gettext")
    for name in ("larnav", "locale", "manage.py"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-obsolete", "-v0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "LARNAV_DEBUG": "1", "LARNAV_VAR_DIR": str(tmp_path / "var"),
             "DJANGO_SETTINGS_MODULE": "larnav.settings", "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "sv" / "LC_MESSAGES" / "django.po"))
    assert untranslated(fresh) == [], "new strings: run makemessages -l sv and translate them"
