"""The container image and the compose file (docs/DEPLOY.md) hold what a deployment relies on:
read as text, since a test run may have no Docker engine (.ci/run builds the image and asks it
for /healthz where one is available)."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from webhooks.config import ENV_KEYS

ROOT = Path(__file__).resolve().parent.parent
#: Names whose values are secrets: none may be given a value in the image or the compose file.
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped)."""
    joined = re.sub(r"\\\n\s*", "", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def final_stage(dockerfile: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(dockerfile) if keyword == "FROM")
    return dockerfile[last_from:]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def test_instructions_are_read_as_docker_reads_them() -> None:
    parsed = instructions("FROM a\n# note\nRUN x \\\n    y\nUSER b\n")
    assert parsed == [("FROM", "a"), ("RUN", "x y"), ("USER", "b")]


def test_the_image_is_built_on_a_slim_python(dockerfile: list[tuple[str, str]]) -> None:
    args = dict(rest.split("=", 1) for keyword, rest in dockerfile if keyword == "ARG")
    bases = [rest.split()[0] for keyword, rest in dockerfile if keyword == "FROM"]
    assert bases, "no FROM"
    for base in bases:
        image = args.get(base.strip("${}"), base)
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image


def test_it_runs_as_an_unprivileged_user(final_stage: list[tuple[str, str]]) -> None:
    users = [rest for keyword, rest in final_stage if keyword == "USER"]
    assert users, "the final stage never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    # Nothing runs after USER that would need root (RUN as the user is fine, but the last
    # USER must come after every RUN that changes ownership).
    last_user = max(i for i, (keyword, _) in enumerate(final_stage) if keyword == "USER")
    assert not [rest for keyword, rest in final_stage[last_user:] if "chown" in rest]


def test_dependencies_come_only_from_the_hashed_lock(dockerfile: list[tuple[str, str]]) -> None:
    installs = [rest for keyword, rest in dockerfile if keyword == "RUN" and "pip install" in rest]
    assert installs, "no pip install"
    for command in installs:
        words = shlex.split(command)
        assert "--require-hashes" in words, command
        assert "-r" in words and words[words.index("-r") + 1].endswith("main.lock"), command
    copies = " ".join(rest for keyword, rest in dockerfile if keyword == "COPY")
    assert "requirements/main.lock" in copies


def test_catalogs_are_compiled_into_the_image(dockerfile: list[tuple[str, str]]) -> None:
    assert [rest for keyword, rest in dockerfile
            if keyword == "RUN" and "pybabel compile" in rest and "locales" in rest]


def test_it_checks_its_own_health_on_healthz(final_stage: list[tuple[str, str]]) -> None:
    [check] = [rest for keyword, rest in final_stage if keyword == "HEALTHCHECK"]
    assert "/healthz" in check and "127.0.0.1:8000" in check
    assert "CMD" in check


def test_it_serves_with_gunicorn_and_its_config_in_production(
    final_stage: list[tuple[str, str]]
) -> None:
    [cmd] = [rest for keyword, rest in final_stage if keyword == "CMD"]
    assert cmd.startswith("[")  # exec form: gunicorn is PID 1's child-free, gets SIGTERM itself
    assert "gunicorn" in cmd and "gunicorn.conf.py" in cmd and "webhooks:create_app()" in cmd
    env = " ".join(rest for keyword, rest in final_stage if keyword == "ENV")
    assert "SANGKHIM_ENV=production" in env


def test_no_secret_is_baked_into_the_image(dockerfile: list[tuple[str, str]]) -> None:
    for keyword, rest in dockerfile:
        if keyword in {"ENV", "ARG", "LABEL"}:
            for name, _, value in (pair.partition("=") for pair in shlex.split(rest)):
                assert not (SECRET_NAME.search(name) and value), f"{keyword} {name} has a value"
        if keyword in {"COPY", "ADD"}:
            assert ".env" not in shlex.split(rest), rest


def dockerignored(path: str) -> bool:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.lstrip("*/")):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatch(parts[depth - 1], pattern[3:]):
                return True
    return False


@pytest.mark.parametrize("path", [".env", ".env.production", "instance/secrets.json",
                                  "instance/sangkhim.db", ".git/config", ".venv/bin/python",
                                  "tests/conftest.py", "locales/km/LC_MESSAGES/messages.mo"])
def test_secrets_and_local_state_stay_out_of_the_build(path: str) -> None:
    assert dockerignored(path)


@pytest.mark.parametrize("path", ["webhooks/__init__.py", "bot/__init__.py", "gunicorn.conf.py",
                                  "models/migrations/env.py", "locales/model/intent_model.npz",
                                  "locales/model/intent_model.weights.npy",
                                  "locales/places/common_forms.tsv",
                                  "locales/km/LC_MESSAGES/messages.po", "data/sample_directory.csv",
                                  "requirements/main.lock"])
def test_what_the_app_needs_goes_into_the_build(path: str) -> None:
    assert (ROOT / path).exists(), path
    assert not dockerignored(path)


def test_compose_runs_app_clock_release_and_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"app", "clock", "db", "release"} <= set(services)
    assert services["release"]["command"] == ["flask", "db", "upgrade"]
    assert services["clock"]["command"] == ["flask", "clock"]
    assert "command" not in services["app"]  # the image's gunicorn
    for name in ("app", "clock"):
        assert services[name]["depends_on"]["release"]["condition"] == (
            "service_completed_successfully")
    assert services["release"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")
    [volume] = services["db"]["volumes"]
    assert volume.split(":")[0] in compose["volumes"]
    assert volume.split(":")[1] == "/var/lib/postgresql/data"


def test_compose_runs_the_app_in_production_from_env_file(compose: dict[str, Any]) -> None:
    for name in ("app", "clock", "release"):
        service = compose["services"][name]
        assert service["environment"]["SANGKHIM_ENV"] == "production"
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_compose_publishes_only_on_loopback(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    assert "ports" not in compose["services"]["db"]


def test_compose_holds_no_secret_value(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            secret_parts = re.sub(r"\$\{[^}]*\}", "", str(value))
            if SECRET_NAME.search(key):
                assert not secret_parts, (name, key)
            # A URL's password is interpolated from .env, never written here.
            assert not re.search(r"://[^:/@]+:[^$@]+@", str(value)), (name, key)


def test_the_env_example_names_only_real_settings_and_holds_no_secret() -> None:
    lines = [line for line in (ROOT / "docs" / "env.example").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    for line in lines:
        key, _, value = line.partition("=")
        assert key in ENV_KEYS or key == "POSTGRES_PASSWORD", key
        if SECRET_NAME.search(key):
            assert value == "", key


def test_env_files_are_never_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
