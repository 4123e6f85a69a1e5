"""Known devices: browsers where an account has logged in before (audit N13).

Failed logins make an account wait (``throttle``), and while it waits even the right password
is refused — so an outsider who knows a worker's e-mail address could keep the worker out with
five wrong guesses every few minutes. A browser where the account has logged in successfully
carries a cookie that says so: a list of (account id, random device id) pairs, signed with
``SECRET_KEY`` (itsdangerous, as Flask signs its session), HttpOnly, SameSite=Strict, sent only
to ``/outreach/``, Secure in production, for ``MAX_AGE``. It holds no e-mail address and no
secret of the account. From such a browser the right password still gets in while the account
waits, after ``DELAY_SECONDS`` (a delay, not a lockout); the device has failures and waits of
its own (``throttle.device_key``), so a copied cookie is no way round the back-off. A browser
the account never logged in on waits like before. Rotating ``SECRET_KEY`` forgets every device.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "sangkhim_device"
SALT = "sangkhim.outreach.device"
#: How long a browser stays known after its last successful login there.
MAX_AGE = timedelta(days=90)
#: Accounts one browser remembers (a shared office computer), the most recent first.
MAX_ACCOUNTS = 8
#: The wait before a known device's password is checked while its account waits.
DELAY_SECONDS = 2.0


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def encode(pairs: Iterable[tuple[int, str]]) -> str:
    """The cookie's value for these (account id, device id) pairs."""
    return _serializer().dumps([[user_id, device] for user_id, device in pairs])


def known() -> dict[int, str]:
    """The accounts this browser has logged in with: account id -> device id. Empty when the
    cookie is missing, forged, signed with another key, or older than ``MAX_AGE``."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        pairs = _serializer().loads(raw, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:  # includes an expired signature
        return {}
    found: dict[int, str] = {}
    if isinstance(pairs, list):
        for pair in pairs[:MAX_ACCOUNTS]:
            if (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int)
                    and isinstance(pair[1], str) and pair[1]):
                found.setdefault(pair[0], pair[1])
    return found


def remember(response: Response, user_id: int, already: Mapping[int, str]) -> None:
    """Set the cookie after a successful login: this account first (its device id kept, or a
    new random one), then the others this browser knew."""
    device = already.get(user_id) or secrets.token_urlsafe(16)
    pairs = [(user_id, device)] + [(u, d) for u, d in already.items() if u != user_id]
    response.set_cookie(
        COOKIE, encode(pairs[:MAX_ACCOUNTS]), max_age=int(MAX_AGE.total_seconds()),
        path="/outreach/", httponly=True, samesite="Strict",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
