"""Paginated pages (directory, audit log): any ``?page=`` gets a page, never a server error."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.webhooks.outreach.helpers import ADMIN, login, make_user, post
from webhooks.outreach import admin, directory_pages

#: Not a number, not a page, or too big for the database's integers (the old code answered 500).
BAD_PAGES = ("99999999999999999999", "9" * 400, "9" * 5000, "-1", "-99999999999999999999", "0",
             "abc", "", " ", "1.5", "1e3", "0x10", "１２", "២", "%00", "nan", "-0")
PAGED = {"/outreach/directory": directory_pages, "/outreach/audit": admin}


@pytest.mark.parametrize("path", sorted(PAGED))
def test_any_page_number_gets_a_page(sample_app: Flask, path: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    module = PAGED[path]
    size_name = "PAGE_SIZE" if module is directory_pages else "AUDIT_PAGE_SIZE"
    monkeypatch.setattr(module, size_name, 2)  # a few pages of what is there
    make_user(sample_app, ADMIN, "admin")
    for _ in range(3):  # a few audit entries: three logins
        client = sample_app.test_client()
        assert login(client, ADMIN).status_code == 302
    # the audit log hides sign-ins unless asked: these pages are of the logins
    shown = {"signins": "1"} if path == "/outreach/audit" else {}
    pages = client.get(path, query_string=shown).get_data(as_text=True)
    last = int(pages.split("Page 1 of ", 1)[1].split("<", 1)[0])
    assert last >= 2
    for value in BAD_PAGES:
        response = client.get(path, query_string={**shown, "page": value})
        assert response.status_code == 200, value
        page = response.get_data(as_text=True)
        expected = last if value.lstrip().startswith("9") else 1
        assert f"Page {expected} of {last}" in page, value
    beyond = client.get(path, query_string={**shown, "page": str(last + 5)}).get_data(as_text=True)
    assert f"Page {last} of {last}" in beyond  # past the end: the last page, not an empty one
    second = client.get(path, query_string={**shown, "page": "2"}).get_data(as_text=True)
    assert f"Page 2 of {last}" in second


def test_an_id_too_big_for_the_database_is_not_found(app: Flask) -> None:
    """Ids in the path are bounded like ``?page=``: past the database's integers, 404 (was 500)."""
    make_user(app, ADMIN, "admin")
    client = app.test_client()
    login(client, ADMIN)
    for big in ("2147483648", "99999999999999999999", "9" * 400, "9" * 5000):
        assert client.get(f"/outreach/directory/{big}").status_code == 404, big
        for path, data, page in (
            (f"/outreach/directory/{big}/full", {"full": "1"}, "/outreach/directory"),
            (f"/outreach/directory/{big}/active", {"active": "1"}, "/outreach/directory"),
            (f"/outreach/users/{big}/role", {"role": "admin"}, "/outreach/users"),
            (f"/outreach/users/{big}/active", {"active": "1"}, "/outreach/users"),
            (f"/outreach/users/{big}/password", {"password": "temporary password 1"},
             "/outreach/users"),
        ):
            assert post(client, path, data, page=page).status_code == 404, path
    assert client.get("/outreach/directory/2147483647").status_code == 404  # the largest id
