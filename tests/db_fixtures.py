"""Database fixtures: a real, throwaway PostgreSQL server for the test session, and a
`db_url` fixture that gives each test an empty database on SQLite and on PostgreSQL.

The server comes from Debian's binaries (/usr/lib/postgresql/*/bin) or initdb/pg_ctl
on PATH; as root it runs as the `postgres` user (PostgreSQL refuses root). It listens
on a free loopback port with its socket in a private temporary folder, and is stopped
and removed at the end. Without the binaries the PostgreSQL tests are skipped.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

SKIP_REASON = "PostgreSQL not installed: run .ci/setup-postgres.sh"


def _pg_bindir() -> Path | None:
    def version(d: str) -> tuple:
        v = Path(d).parent.name
        return tuple(int(x) for x in v.split(".") if x.isdigit())

    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/pg_ctl", os.X_OK):
            return Path(d)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    _names = itertools.count()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server():
    """Start PostgreSQL for the session (initdb into a temporary folder, pg_ctl start)."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(SKIP_REASON)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg not installed: pip install 'psycopg[binary]'")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no `postgres` user to run PostgreSQL as: run .ci/setup-postgres.sh")
        runuser = shutil.which("runuser")
        as_user = [runuser, "-u", "postgres", "--"] if runuser else None  # type: ignore[assignment]
    root = Path(tempfile.mkdtemp(prefix="policyx-pg-"))  # in /tmp: short socket path, reachable by postgres
    data, sock, log = root / "data", root / "sock", root / "server.log"
    sock.mkdir()
    if owner is not None:
        for p in (root, sock):
            os.chown(p, owner.pw_uid, owner.pw_gid)

    def run(*cmd: str) -> subprocess.CompletedProcess:
        if as_user is None:  # root without runuser: go through su
            import shlex

            argv = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
        else:
            argv = [*as_user, *cmd]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=root)

    user = "postgres" if owner is not None else pwd.getpwuid(os.geteuid()).pw_name
    r = run(str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-locale",
            "--no-sync")
    if r.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {r.stderr or r.stdout}")
    port = _free_port()
    opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off -c max_connections=50")
    r = run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start")
    if r.returncode != 0:
        logtext = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {r.stderr or r.stdout}\n{logtext[-2000:]}")
    try:
        yield PostgresServer(host="127.0.0.1", port=port, user=user)
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database on each backend; its engine is disposed (and the PostgreSQL
    database dropped) afterwards."""
    from models.db import dispose_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rules.db'}"
        yield url
        dispose_engine(url)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
        yield url
        dispose_engine(url)
        server.drop_database(url)
