"""Every string a person reads has a Chinese translation, and the compiled catalogue is current.

The catalogue is extracted afresh from a copy of the package (so a string added without
running `make messages` is caught too) and merged with the committed one.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wangge"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed"
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    work = tmp_path_factory.mktemp("messages")
    copy = work / "wangge"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.mo")
    )
    (work / "message_settings.py").write_text(
        f"SECRET_KEY = 'x'\nUSE_I18N = True\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--settings=message_settings",
            "--locale=zh_Hans",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        env={"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_string_has_a_chinese_translation(extracted):
    missing = [entry.msgid for entry in extracted.untranslated_entries()]
    fuzzy = [entry.msgid for entry in extracted.fuzzy_entries()]
    assert not missing, f"strings without a Chinese translation (run make messages): {missing}"
    assert not fuzzy, f"fuzzy translations to check: {fuzzy}"


def test_the_compiled_catalogue_matches_the_translations(extracted):
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    in_mo = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled if entry.msgid}
    in_po = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.pofile(str(CATALOGUE / "django.po")).translated_entries()
        if not entry.msgid_plural
    }
    stale = {key for key, text in in_po.items() if in_mo.get(key) != text}
    assert not stale, f"django.mo is out of date (run make messages): {sorted(stale)[:10]}"
