"""Password strength (audit N14): measured by zxcvbn, not counted, with the reason shown in the
dashboard's language."""

from __future__ import annotations

import pytest
from flask import Flask

from core.catalogs import translations
from core.vocabulary import Locale
from tests.webhooks.outreach.helpers import ADMIN, PASSWORD, login, make_user, post
from webhooks.outreach.passwords import WEAK_REASONS, password_problem

KM = translations(Locale.KM)
PAGE = "/outreach/account/password"

WEAK = [
    pytest.param("aaaaaaaaaaaaaaaa", "repeat", id="one-repeated-letter"),
    pytest.param("sokhasokhasokha1", "repeat", id="a-repeated-word"),
    pytest.param("abcdefghijklmnop", "sequence", id="the-alphabet"),
    pytest.param("password1234", "passwords", id="a-common-password"),
    pytest.param("sangkhimoutreach", "user_inputs", id="the-service's-name"),
    pytest.param("jenniferjessica", "words", id="two-names"),
]
STRONG = ["a long test password", "chosen by the worker", "ពាក្យសម្ងាត់វែងណាស់",
          "kw7-Tnq2-zpL9-rV4x"]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_a_guessable_password_is_refused_with_its_reason(password: str, reason: str) -> None:
    assert password_problem(password, ADMIN) == WEAK_REASONS[reason]


@pytest.mark.parametrize("password", STRONG)
def test_a_hard_password_is_accepted(password: str) -> None:
    assert password_problem(password, ADMIN) is None


def test_the_account_s_own_address_counts_as_guessable() -> None:
    assert password_problem("admin.example.org2", ADMIN) is not None
    assert password_problem("admin.example.org2", "someone@else.example") is None


def test_every_reason_has_a_khmer_translation() -> None:
    for msgid in WEAK_REASONS.values():
        assert KM.gettext(msgid) != msgid, msgid


def test_the_cli_refuses_one_repeated_letter(app: Flask) -> None:
    weak = "a" * 20
    result = app.test_cli_runner().invoke(
        args=["users", "create", ADMIN, "--role", "admin"], input=f"{weak}\n{weak}\n"
    )
    assert result.exit_code != 0
    assert "it repeats letters or words" in result.output


@pytest.mark.parametrize("khmer", [False, True], ids=["english", "khmer"])
def test_the_dashboard_gives_the_reason_in_its_language(app: Flask, khmer: bool) -> None:
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    login(client, ADMIN)
    if khmer:
        post(client, "/outreach/language", {"locale": "km", "next": PAGE}, page=PAGE)
    weak = "q" * 16
    page = post(client, PAGE, {"current_password": PASSWORD, "new_password": weak,
                               "confirm": weak}, page=PAGE).get_data(as_text=True)
    english = WEAK_REASONS["repeat"]
    if khmer:
        assert KM.gettext(english) in page and english not in page
    else:
        assert english in page
    assert login(app.test_client(), ADMIN, weak).status_code == 401  # not changed


def test_an_admin_cannot_set_a_guessable_temporary_password(app: Flask) -> None:
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    login(client, ADMIN)
    page = post(client, "/outreach/users", {"email": "new@example.org", "role": "outreach",
                                            "password": "abcdefghijklmnop"}, page="/outreach/users")
    assert page.status_code == 400
    assert WEAK_REASONS["sequence"] in page.get_data(as_text=True)


def test_the_dummy_hash_costs_what_a_real_one_does() -> None:
    """An unknown e-mail is verified against a written-out hash: it must have the parameters
    (memory, time, lanes) of every new hash, or the answer would say the account is unknown."""
    from webhooks.outreach import passwords

    real = passwords.hash_password("a long test password")
    assert passwords._DUMMY_HASH.rsplit("$", 2)[0] == real.rsplit("$", 2)[0]  # noqa: SLF001
    assert not passwords.needs_rehash(passwords._DUMMY_HASH)  # noqa: SLF001
    assert passwords.verify_password(None, "sangkhim-no-such-account") is False
