"""A throwaway Postgres for the replica tests: Debian's ``postgresql`` binaries, ``initdb`` in a
temporary folder and ``pg_ctl`` on a free loopback port. Without them the tests skip, saying
why (scripts/test.sh installs postgresql, so CI runs them)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

# scripts/test.sh sets it: there a Postgres that cannot be started fails the tests.
REQUIRED = os.environ.get("VRAAGBAAK_TEST_POSTGRES") == "required"


def _skip(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(f"{reason} (VRAAGBAAK_TEST_POSTGRES=required)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user() -> list[str]:
    """initdb refuses to run as root: then run the server as the postgres (or nobody) user."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    _skip("running as root and there is no postgres or nobody user to run Postgres as")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running Postgres server (database ``postgres``, trust authentication)."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        _skip("psycopg is not installed: pip install -e '.[postgres]'")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _skip("Postgres is not installed: apt-get install -y postgresql (scripts/test.sh does)")
    bindir = Path(found[-1]).parent
    prefix = _as_user()
    root = Path(tempfile.mkdtemp(prefix="vraagbaak-pg-"))
    if prefix:
        user = pwd.getpwnam(prefix[2])
        os.chown(root, user.pw_uid, user.pw_gid)
    data, port = root / "data", _free_port()
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "vraagbaak",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=100",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        shutil.rmtree(root, ignore_errors=True)
        _skip(f"Postgres could not be started: {error} {detail.decode(errors='replace')}")
    try:
        yield f"postgresql://vraagbaak@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the test server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"
