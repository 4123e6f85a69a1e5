"""Start a throw-away PostgreSQL server for the test session (an equivalent of pytest-postgresql
that also works as root, as CI containers run: the server runs as the ``postgres`` user).

``SANGKHIM_TEST_POSTGRES_URL`` points the suite at an existing server instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class PostgresServer:
    url: str
    data_dir: Path | None = None
    pg_ctl: str | None = None
    user: str | None = None
    root: Path | None = None

    def stop(self) -> None:
        if self.pg_ctl and self.data_dir:
            subprocess.run(
                [self.pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
                user=self.user, capture_output=True, check=False, env=server_env(),
            )
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


def server_env() -> dict[str, str]:
    """The environment for the server's programs: this one without libfaketime's variables.
    ``make test-clock`` runs the tests at a faked instant; the server keeps the real clock (the
    app reads no time from the database), and its timeouts and start-up wait with it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split(":")
               if lib and "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    return env


class Unavailable(RuntimeError):
    """No server could be started; the message says why (shown as the skip reason)."""


def find_bindir() -> Path:
    candidates = []
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(os.path.realpath(pg_ctl)).parent)
    for folder in candidates:
        if (folder / "pg_ctl").exists() and (folder / "initdb").exists():
            return folder
    raise Unavailable("no PostgreSQL server binaries (install Debian's 'postgresql' package)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start() -> PostgresServer:
    if url := os.environ.get("SANGKHIM_TEST_POSTGRES_URL"):
        return PostgresServer(url=url)
    bindir = find_bindir()
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                continue
            user = name
            break
        if user is None:
            raise Unavailable("running as root and no 'postgres' user to run the server as")
    root = Path(tempfile.mkdtemp(prefix="sangkhim-pg-"))
    root.chmod(0o755)
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(url="", data_dir=data_dir, pg_ctl=str(bindir / "pg_ctl"), user=user, root=root)
    init = subprocess.run(
        [str(bindir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "sangkhim",
         "-E", "UTF8", "--no-locale"],
        user=user, capture_output=True, text=True, env=server_env(),
    )
    if init.returncode != 0:
        server.stop()
        raise Unavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
    port = _free_port()
    options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    started = subprocess.run(
        [server.pg_ctl, "-D", str(data_dir), "-o", options, "-l", str(root / "server.log"),
         "-w", "-t", "60", "start"],
        user=user, capture_output=True, text=True, env=server_env(),
    )
    if started.returncode != 0:
        log = (root / "server.log").read_text(errors="replace")[-300:] if (root / "server.log").exists() else ""
        server.stop()
        raise Unavailable(f"PostgreSQL did not start: {started.stderr.strip()[-200:]} {log}")
    admin = f"postgresql://sangkhim@127.0.0.1:{port}/postgres"
    for _ in range(50):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE sangkhim_test")
            break
        except psycopg.OperationalError:
            time.sleep(0.1)
    else:
        server.stop()
        raise Unavailable("PostgreSQL started but refused connections")
    server.url = f"postgresql+psycopg://sangkhim@127.0.0.1:{port}/sangkhim_test"
    return server
