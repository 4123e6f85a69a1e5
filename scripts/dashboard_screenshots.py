"""Screenshots of the outreach dashboard for the README (docs/screenshots/), in Khmer and English.

Runs the app on 127.0.0.1 over a throw-away SQLite database holding the SAMPLE directory and
made-up demand, logs in with headless Chromium (Debian's ``chromium``) and saves PNGs.

    PYTHONPATH=. .venv/bin/python scripts/dashboard_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from models import handoffs, migrate, sealing
from tests.e2e.conftest import last_sunday
from tests.e2e.live import CHROMIUM_ARGS, chromium_path, serve, synthetic_demand
from webhooks import create_app
from webhooks.database import get_db

EMAIL, PASSWORD = "admin@example.org", "screenshots-only-password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Several problems on a line, one on another (tests/fixtures/directory/README.md).
BAD_IMPORT = Path(__file__).resolve().parent.parent / "tests/fixtures/directory/several_errors.csv"


def build_app(folder: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{folder / 'screens.db'}"
    migrate.upgrade(url)
    app = create_app({
        "SANGKHIM_ENV": "development",  # an unset SANGKHIM_ENV is production
        "DATABASE_URL": url,
        "SECRET_KEY": "screenshots-secret-key-0123456789abcdef",
        "PSEUDONYM_KEY": "screenshots-pseudonym-key-0123456789abcdef",
        "TWILIO_AUTH_TOKEN": "x", "TELEGRAM_WEBHOOK_SECRET": "x",
    })
    runner = app.test_cli_runner()
    runner.invoke(args=["directory", "import", "--sample"])
    runner.invoke(args=["users", "create", EMAIL, "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    ends = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    for alert in (  # made-up alerts, as a team lead would post them
        ["--kind", "call_first", "--scope", "province:12", "--km", "ទូរស័ព្ទមុនពេលទៅ សប្តាហ៍នេះ",
         "--en", "Call before going this week"],
        ["--kind", "health", "--scope", "district:0203", "--km", "ថ្នាំគ្រាប់ពណ៌ក្រហមធ្វើឱ្យមនុស្សចូលមន្ទីរពេទ្យ",
         "--en", "Red pills are putting people in hospital", "--advice-km",
         "សាកល្បងតិចៗសិន កុំប្រើតែម្នាក់ឯង ទូរស័ព្ទ 119", "--advice-en",
         "Test a small amount first, do not use alone, call 119"],
    ):
        runner.invoke(args=["alerts", "post", *alert, "--ends", ends, "--by", EMAIL])
    with app.app_context(), get_db().sessions() as session, session.begin():
        session.add_all(synthetic_demand(last_sunday(), weeks=16))
        keys = sealing.keyring_of(app.config)
        assert keys is not None
        for topic, province, district in (("faq_methadone/restart", "12", "1201"),
                                          ("family/injecting", "02", "0203")):
            handoffs.open_handoff(  # made-up chats: a made-up address that goes nowhere
                session.connection(), keys, address={"channel": "sms", "to": "+0", "from": "+0"},
                channel="sms", locale="km", province_code=province, district_code=district,
                topic=topic, now=datetime.now(UTC), ttl=timedelta(hours=72),
            )
    return app


def shoot(page: Page, base: str, out: Path, locale: str) -> list[Path]:
    saved = []
    page.goto(f"{base}/outreach/login")
    page.click(f"[data-testid=lang-{locale}]")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    if locale == "km":
        path = out / f"login-{locale}.png"
        page.screenshot(path=str(path))
        saved.append(path)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_url("**/outreach/demand")
    for name, path_ in (("demand", "/outreach/demand"), ("unmet", "/outreach/unmet"),
                        ("directory", "/outreach/directory?province=12"),
                        ("service", "/outreach/directory/1"), ("import", "/outreach/directory/import"),
                        ("audit", "/outreach/audit"), ("chats", "/outreach/handoffs"),
                        ("alerts", "/outreach/alerts")):
        page.goto(base + path_)
        if name == "import":  # the page as it answers a file with problems
            page.set_input_files("input[name=file]", str(BAD_IMPORT))
            page.click("[data-testid=import-submit]")
        target = out / f"{name}-{locale}.png"
        page.screenshot(path=str(target), full_page=name in ("demand", "unmet", "import", "alerts"))
        saved.append(target)
    page.click("[data-testid=logout]")
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serve(build_app(Path(folder))) as live:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            saved = []
            for locale in ("km", "en"):
                page = browser.new_page(viewport=DESKTOP)
                saved += shoot(page, live.url, args.out, locale)
                page.close()
            phone = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True)
            phone.goto(f"{live.url}/outreach/login")
            phone.click("[data-testid=lang-km]")
            phone.fill("input[name=email]", EMAIL)
            phone.fill("input[name=password]", PASSWORD)
            phone.click("[data-testid=login-form] button[type=submit]")
            phone.wait_for_url("**/outreach/demand")
            target = args.out / "demand-phone-km.png"
            phone.screenshot(path=str(target), full_page=True)
            saved.append(target)
            phone.goto(f"{live.url}/outreach/alerts")
            target = args.out / "alerts-phone-km.png"
            phone.screenshot(path=str(target), full_page=True)
            saved.append(target)
            browser.close()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
