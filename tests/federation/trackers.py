"""Two live trackers on loopback for the two-tracker test: a database each (copied from a
migrated template kept between runs while the migrations stay the same), a ``runserver`` each,
and ``manage.py`` commands run against either."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def base_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "tracker"


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:32]


def environment(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url(database), TRACKER_LOCAL_HTTP="1")
    return env


def manage(database: str, *args: str, check: bool = True, timeout: float = 120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result


def python(database: str, code: str):
    """Run ``code`` in ``manage.py shell`` against ``database``; its last printed line, decoded."""
    output = manage(database, "shell", "--no-imports", "-c", code).stdout.strip().splitlines()
    return json.loads(output[-1]) if output else None


def _admin():
    return psycopg.connect(database_url("postgres"), autocommit=True)


def template() -> str:
    """A migrated database, made once for each set of migrations (a full migrate takes a while)."""
    name, digest = f"{base_name()}_template", migrations_digest()
    with _admin() as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] == digest:
            return name
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    manage(name, "migrate", "-v0", timeout=600)
    with _admin() as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(digest)
            )
        )
    return name


def fresh_database(name: str, source: str) -> None:
    with _admin() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )


def drop_database(name: str) -> None:
    with _admin() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tracker:
    """One tracker: its database and its server on a loopback port."""

    running: list[Tracker] = []

    def __init__(self, database: str):
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=environment(self.database),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        Tracker.running.append(self)

    def wait(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server stopped"
            try:
                if httpx.get(f"{self.url}api/v1/", timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise AssertionError(f"{self.url} did not answer in {seconds} s")

    def stop(self) -> None:
        if self in Tracker.running:
            Tracker.running.remove(self)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def feed_ready(self, seconds: float = 240) -> None:
        """Wait until every change written here can be given its place in the feed.

        The feed places a change once no older transaction can still commit (``feed.log``):
        PostgreSQL's horizon spans every database of the server, so a long transaction of any
        other client of the server (another test run) holds our changes back until it ends."""
        deadline = time.monotonic() + seconds
        with psycopg.connect(database_url(self.database), autocommit=True) as connection:
            while True:
                waiting, horizon = connection.execute(
                    "SELECT (SELECT MAX(xid) FROM partners_change WHERE position IS NULL), "
                    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                ).fetchone()
                if waiting is None or waiting < horizon:
                    return
                assert time.monotonic() < deadline, "a transaction elsewhere holds the feed back"
                time.sleep(0.5)

    def manage(self, *args: str, check: bool = True):
        return manage(self.database, *args, check=check)

    def python(self, code: str):
        return python(self.database, code)
