"""What a process loads as it starts (README, "Performance, measured"): a ``flask`` command loads
only what it uses, and a web worker has the classifier ready before its first texter.

Each case runs in a fresh Python process, since this one has long since imported everything.
Only which modules are loaded is checked, never how long anything took (that is ``make bench``).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from webhooks.config import DEV_SECRETS

ROOT = Path(__file__).resolve().parent.parent
#: Libraries that no command needs merely to start, each loaded where it is used.
LAZY = ("numpy", "alembic", "telegram", "zxcvbn", "holidays", "cryptography", "argon2",
        "sqlite3", "pygments")


def loaded_after(code: str, tmp_path: Path) -> dict[str, bool]:
    """Run ``code`` in a new process (development settings, its own instance folder) and say
    which of ``LAZY`` and the classifier it loaded."""
    probe = (
        f"{code}\n"
        "import json, sys\n"
        "from bot.intents import default_classifier\n"
        f"loaded = {{name: name in sys.modules for name in {LAZY!r}}}\n"
        "loaded['classifier'] = default_classifier.cache_info().currsize == 1\n"
        "print(json.dumps(loaded))\n"
    )
    # every development secret given, so that nothing is written under the checkout's instance/
    env = {**os.environ, "SANGKHIM_ENV": "development", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}",
           **{key: secrets.token_urlsafe(32) for key in DEV_SECRETS}}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


CLI = (
    "from flask.cli import FlaskGroup\n"
    "from webhooks import create_app\n"
    "import contextlib, io\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    FlaskGroup(create_app=create_app).main({args!r}, standalone_mode=False)\n"
)


@pytest.mark.parametrize("args", [["--help"], ["routes"]], ids=["help", "routes"])
def test_a_flask_command_loads_nothing_it_does_not_use(args: list[str], tmp_path: Path) -> None:
    loaded = loaded_after(CLI.format(args=args), tmp_path)
    assert not any(loaded.values()), loaded


def test_flask_classify_loads_the_classifier_and_not_the_rest(tmp_path: Path) -> None:
    loaded = loaded_after(CLI.format(args=["classify", "clinic in battambang"]), tmp_path)
    assert loaded == {"numpy": True, "alembic": False, "telegram": False, "zxcvbn": False,
                      "holidays": False, "cryptography": False, "argon2": False,
                      "sqlite3": False, "pygments": False, "classifier": True}


def test_a_web_worker_has_the_classifier_ready(tmp_path: Path) -> None:
    """``create_app`` outside a command (gunicorn, a test) warms up, so no texter waits."""
    loaded = loaded_after("from webhooks import create_app\ncreate_app()", tmp_path)
    assert loaded["classifier"] and loaded["numpy"], loaded
    assert loaded["sqlite3"], loaded  # the engine is made before the first texter, too
    assert not loaded["alembic"] and not loaded["zxcvbn"], loaded
    # the Telegram library is the gunicorn master's to load for its workers (next test)
    assert not loaded["telegram"], loaded


def test_gunicorns_master_loads_everything_a_worker_may_use(tmp_path: Path) -> None:
    """What the master loads before it forks (``gunicorn.conf.py``), every worker has before
    its first request: the classifier, and the Telegram library where the channel is on."""
    loaded = loaded_after(
        f"import runpy\nconf = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        "conf['_share_read_only']()", tmp_path)
    assert loaded["classifier"] and loaded["numpy"] and loaded["telegram"], loaded
    assert not loaded["alembic"] and not loaded["zxcvbn"], loaded
    # python-telegram-bot's Telegram Passport support, never used, does not bring it in
    assert not loaded["cryptography"], loaded
    # nor httpx's command-line client, with Pygments' lexers (installed here with pytest)
    assert not loaded["pygments"], loaded


def test_a_telegram_update_loads_the_library_where_no_master_did(tmp_path: Path) -> None:
    loaded = loaded_after(
        "from webhooks import create_app\nfrom webhooks.telegram import update_class\n"
        "create_app()\nupdate_class()", tmp_path)
    assert loaded["telegram"] and not loaded["cryptography"] and not loaded["pygments"], loaded


def test_start_up_leaves_the_garbage_collector_on_and_working(tmp_path: Path) -> None:
    """Start-up pauses the collector and freezes what it made (``webhooks.startup``): it must
    be on again afterwards, and collect the cycles made later, including a second app's."""
    loaded_after(
        "import gc, weakref\nfrom webhooks import create_app\ncreate_app()\n"
        "assert gc.isenabled()\nfrozen = gc.get_freeze_count()\nassert frozen > 0\n"
        "app = create_app()\nassert gc.isenabled() and gc.get_freeze_count() == frozen\n"
        "class Cycle: pass\ncycle = Cycle(); cycle.me = cycle; gone = weakref.ref(cycle)\n"
        "second = weakref.ref(app)\ndel cycle, app\ngc.collect()\n"
        "assert gone() is None and second() is None", tmp_path)


def test_a_caller_that_turned_the_collector_off_keeps_it_off() -> None:
    import gc

    from webhooks.startup import long_lived

    gc.disable()
    try:
        with long_lived(freeze=False):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    with long_lived(freeze=False):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_is_sealed_still_loads_cryptography_after_telegram(tmp_path: Path) -> None:
    loaded = loaded_after(
        "from webhooks import create_app\nfrom webhooks.telegram import update_class\n"
        "create_app()\nupdate_class()\nfrom models import sealing\n"
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
        "import telegram._bot\nassert not telegram._bot.CRYPTO_INSTALLED", tmp_path)
    assert loaded["telegram"] and loaded["cryptography"], loaded


def test_without_telegram_its_library_is_not_loaded(tmp_path: Path) -> None:
    loaded = loaded_after(
        "import os, runpy\nos.environ['SANGKHIM_CHANNELS'] = 'twilio'\n"
        f"conf = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        "conf['_share_read_only']()", tmp_path)
    assert loaded["classifier"] and not loaded["telegram"], loaded


def test_cambodias_holidays_load_without_the_other_countries(tmp_path: Path) -> None:
    loaded = loaded_after(
        "import sys\nfrom datetime import date\nfrom bot import holiday\n"
        "assert holiday.name(date(2026, 4, 14), holiday.Locale.EN) == \"Khmer New Year's Day\"\n"
        "assert 'holidays.countries.thailand' not in sys.modules\n"
        "assert 'holidays.countries' not in sys.modules", tmp_path)
    assert loaded["holidays"], loaded
