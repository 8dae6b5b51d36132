"""Fuzz the API against its own OpenAPI schema with schemathesis, on a live server (CI).

Creates its own database on the PostgreSQL in use (``DATABASE_URL``, or the embedded one when it is
unset), migrates it, imports the report and loads the seed, creates a desk officer (signed in: a
session cookie and its CSRF token, as a browser sends them) and two partner tokens (ECOWAS and the
African Union, read and write), starts gunicorn on a free port, and runs ``st run`` once per
identity with every check, the stateful phase on and a fixed seed (``schemathesis.toml`` holds the
settings and says why each one is there). Prints one line per identity,
``schemathesis: N operations, M cases, F failures``, exits non-zero on any failure, then stops the
server and drops the database.

    .venv/bin/python .ci/fuzz.py [--max-examples N] [--seed N] [--only NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SEED = 20110922  # S/2011/552 is dated 26 August 2011; any fixed number will do
MAX_EXAMPLES = 15
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# The coverage phase (every boundary of every parameter, ~9,000 cases) runs once, as ECOWAS; the
# African Union's run fuzzes and follows links (its own records, lists and refusals).
PHASES = {"au": "examples,fuzzing,stateful"}
# The desk officer signs in with a session: its cookie is given to schemathesis as the schema's
# cookieAuth scheme (a config file of the run's own: schemathesis.toml plus that setting), so the
# "ignored auth" check (ST401) knows it is the credential and strips it to probe; the CSRF cookie
# goes with every request (a hook, as a browser sends it) and the token in X-CSRFToken.
SERVER_LOG = Path(tempfile.gettempdir()) / f"fuzz-gunicorn-{os.getpid()}.log"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--only", help="Run one identity: ecowas, au or desk")
    parser.add_argument("--keep", action="store_true", help="Keep the database (to replay)")
    args = parser.parse_args()

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # A production-like server: no debug pages, plain HTTP on the loopback interface.
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        # The fuzzer sends thousands of requests a minute from one token.
        API_THROTTLE_RATE="1000000/minute",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    from tracker import database

    base_url = database.database_url()  # starts the embedded server when DATABASE_URL is unset
    name = (urlsplit(base_url).path.lstrip("/") or "tracker") + "_schemathesis"
    fuzz_url = _with_database(base_url, name)
    _recreate(base_url, name)
    os.environ["DATABASE_URL"] = fuzz_url
    server = None
    try:
        identities = _set_up()
        port = _free_port()
        server = _start_server(port)
        origin = f"http://127.0.0.1:{port}"
        # The identities run at once: st spends as much CPU generating cases as the server
        # answering them, and two cores are then both busy.
        chosen = {
            identity: headers
            for identity, headers in identities.items()
            if identity == args.only or not args.only
        }
        runs = {
            identity: _start_schemathesis(
                origin, identity_, args.max_examples, args.seed, PHASES.get(identity, ALL_PHASES)
            )
            for identity, identity_ in chosen.items()
        }
        results = []
        for identity, (st, output) in runs.items():
            st.wait()
            text = output.read_text(errors="replace")
            output.unlink()
            print(f"\n== st run as {identity}\n{text}", flush=True)
            operations, cases, failures = _counts(text)
            if st.returncode != 0 and failures == 0:
                failures = 1  # st stopped for a reason of its own (an error, not a check)
            results.append((identity, operations, cases, failures))
        print()
        for identity, operations, cases, failures in results:
            print(
                f"schemathesis ({identity}): {operations} operations, {cases} cases, "
                f"{failures} failures"
            )
        if results and all(r[3] == 0 for r in results):
            return 0
        errors = [
            line
            for line in SERVER_LOG.read_text(errors="replace").splitlines()
            if not line.startswith(("Bad Request:", "Not Found:", "Forbidden:", "Precondition"))
        ]
        print("\n== the server's log, refusals left out\n" + "\n".join(errors[-300:]))
        return 1
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        SERVER_LOG.unlink(missing_ok=True)
        if not args.keep:
            _drop(base_url, name)
        database.stop_embedded()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _maintenance(url: str):
    import psycopg

    return psycopg.connect(_with_database(url, "postgres"), autocommit=True, connect_timeout=10)


def _recreate(url: str, name: str) -> None:
    from psycopg import sql

    with _maintenance(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(url: str, name: str) -> None:
    from psycopg import sql

    with _maintenance(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclasses.dataclass(frozen=True)
class Identity:
    """How one identity's run authenticates: headers for every request; for a session, its
    cookie (the schema's cookieAuth scheme) and the CSRF cookie the hook adds."""

    headers: list[str]
    session: str = ""
    csrf_cookie: str = ""


def _set_up() -> dict[str, Identity]:
    """Migrate, import the report, load the seed; how each identity authenticates."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from cases.roles import DESK_OFFICER
    from partners.services import issue_partner_token

    for command in ("migrate", "import_report", "load_seed"):
        print(f"== {command}", flush=True)
        call_command(command, verbosity=0)

    desk = get_user_model().objects.create_user(
        "fuzz-desk", password=secrets.token_urlsafe(16), is_staff=True
    )
    desk.groups.add(Group.objects.get(name=DESK_OFFICER))
    session = SessionStore()
    session[SESSION_KEY] = str(desk.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = desk.get_session_auth_hash()
    session.create()
    # SessionAuthentication checks CSRF on writes: the cookie and the header, as a page sends them.
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
    identities = {
        "desk": Identity(
            headers=[f"X-CSRFToken: {csrf}"],
            session=session.session_key,
            csrf_cookie=f"{settings.CSRF_COOKIE_NAME}={csrf}",
        )
    }
    for identity, partner, actor in (("ecowas", "ECOWAS", "ECOWAS"), ("au", "African Union", "AU")):
        _token, key, _created = issue_partner_token(partner, actor=actor, scopes="read,write")
        identities[identity] = Identity(headers=[f"Authorization: Token {key}"])
    from django.db import connections

    connections.close_all()
    return identities


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "tracker.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        # Each refused request is a "Bad Request" warning: kept aside, shown when a run fails.
        stdout=SERVER_LOG.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schema/?format=json", timeout=5)
            return server
        time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def _start_schemathesis(
    origin: str, identity: Identity, max_examples: int, seed: int, phases: str
) -> tuple[subprocess.Popen, Path]:
    """Start ``st`` for one identity, its output to a file; (process, output file)."""
    command = [str(VENV_BIN / "st")]
    env = dict(os.environ)
    if identity.session:
        config = Path(tempfile.mkstemp(prefix="schemathesis-", suffix=".toml")[1])
        config.write_text(
            (ROOT / "schemathesis.toml").read_text()
            + f'\n[auth.openapi.cookieAuth]\napi_key = "{identity.session}"\n'
        )
        command += ["--config-file", str(config)]
        env["FUZZ_CSRF_COOKIE"] = identity.csrf_cookie
    command += [
        "run",
        f"{origin}/api/v1/schema/?format=json",
        "--url",
        origin,
        "--checks",
        "all",
        # Run from .ci/schemathesis_hooks.py, with the business rules allowed (schemathesis.toml).
        "--exclude-checks",
        "positive_data_acceptance",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--phases",
        phases,
        "--no-color",
    ]
    for header in identity.headers:
        command += ["-H", header]
    handle, name = tempfile.mkstemp(prefix="schemathesis-", suffix=".log")
    with os.fdopen(handle, "w") as output:
        st = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return st, Path(name)


def _counts(output: str) -> tuple[int, int, int]:
    """From st's summary: ``Tested: N`` operations, ``N generated`` cases, ``N failures``."""
    tested = re.search(r"Tested:\s+(\d+)", output)
    generated = re.search(r"(\d+) generated", output)
    failed = re.search(r"(\d+) unique failures?", output) or re.search(
        r"=+ (\d+) failures?", output
    )
    return (
        int(tested.group(1)) if tested else 0,
        int(generated.group(1)) if generated else 0,
        int(failed.group(1)) if failed else 0,
    )


if __name__ == "__main__":
    sys.exit(main())
