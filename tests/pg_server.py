"""Start a throw-away PostgreSQL server for the test session (an equivalent of pytest-postgresql
that also works as root, as CI containers run: the server runs as the ``postgres`` user).

``SANGKHIM_TEST_POSTGRES_URL`` points the suite at an existing server instead. A server started
here can also be stopped and started again on the same port and data (``halt``, ``resume``), as
``make chaos`` does under load (tests/chaos.py).
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
    #: The server's command-line options (port, socket, settings), to start it again.
    options: str = ""

    def halt(self, mode: str = "fast") -> None:
        """Stop the server and keep its data: ``fast`` ends every session (what a restart
        does: Debian's ``pg_ctlcluster restart``), ``immediate`` is a crash."""
        if not (self.pg_ctl and self.data_dir):
            raise Unavailable("an existing server (SANGKHIM_TEST_POSTGRES_URL) is not ours to stop")
        subprocess.run([self.pg_ctl, "-D", str(self.data_dir), "-m", mode, "-w", "stop"],
                       user=self.user, capture_output=True, check=True)

    def resume(self, wait: bool = True) -> None:
        """Start a halted server again, on the same port; with ``wait``, return once it accepts
        connections (else at once: ``accepting`` tells when to the millisecond)."""
        if not (self.pg_ctl and self.data_dir and self.root):
            raise Unavailable("an existing server (SANGKHIM_TEST_POSTGRES_URL) is not ours to start")
        subprocess.run(
            [self.pg_ctl, "-D", str(self.data_dir), "-o", self.options,
             "-l", str(self.root / "server.log"), "-w" if wait else "-W", "-t", "60", "start"],
            user=self.user, capture_output=True, check=True,
        )

    def accepting(self, timeout: float = 60) -> float:
        """Wait until the server accepts connections (checked every 5 ms); returns when it
        did (``time.monotonic``)."""
        conninfo = "postgresql://" + self.url.split("://", 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(conninfo, connect_timeout=2):
                    return time.monotonic()
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

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


def start(existing: bool = True, durable: bool = False) -> PostgresServer:
    """A server for the tests: the one ``SANGKHIM_TEST_POSTGRES_URL`` names, if ``existing`` and
    it is set; else a throw-away server of our own, started from the machine's binaries.

    Ours does not wait for the write-ahead log at commit (``synchronous_commit=off``: faster,
    and nothing of a test's survives it anyway) unless ``durable``: then a commit the app was
    told of survives a crash of the server, as in production (``make chaos --stop immediate``
    crashes it). Neither flushes to disk (``fsync=off``): the machine itself does not crash."""
    if existing and (url := os.environ.get("SANGKHIM_TEST_POSTGRES_URL")):
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
    server.options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
        f"-c synchronous_commit={'on' if durable else 'off'} -c full_page_writes=off "
        "-c max_connections=100"
    )
    started = subprocess.run(
        [server.pg_ctl, "-D", str(data_dir), "-o", server.options, "-l", str(root / "server.log"),
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
