"""Project-level guarantees: production settings are safe, migrations match the models."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The settings' own environment, none inherited from the test run (another test's command
    # line, or a developer's shell, may have set any of them).
    settings_environment = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "TRACKER_LOCAL_HTTP",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
    }
    environment = {k: v for k, v in os.environ.items() if k not in settings_environment}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7-production-secret-for-the-check-" + "k" * 30,
        ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_migrations_match_the_models():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_set():
    result = run_manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_on_loopback_the_key_is_kept_in_var_and_the_deploy_check_is_clean():
    """No variable set (a desk on its own machine): a key made once and kept in var/, the same
    on the next start, and ``check --deploy`` has nothing to say (https-only by default)."""
    key = "from django.conf import settings; print(settings.SECRET_KEY)"
    first, second = (
        run_manage("shell", "--no-imports", "-c", key),
        run_manage("shell", "--no-imports", "-c", key),
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.strip() == (ROOT / "var" / "secret_key").read_text().strip()
    assert "dev-only" not in first.stdout and len(first.stdout.strip()) >= 50
    assert (ROOT / "var" / "secret_key").stat().st_mode & 0o077 == 0
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_serving_a_page_warns_of_no_missing_static_directory(db, settings, tmp_path):
    """The static files of a tree that never ran collectstatic are found where they live (the
    apps' static folders) in development: WhiteNoise warned "No directory at var/static/" once per
    request handler, 268 times in a run of the suite."""
    import warnings

    from django.test import Client

    settings.STATIC_ROOT = str(tmp_path / "never-collected")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = Client().get("/static/dashboards/dashboard.css")
    assert [str(w.message) for w in caught if "No directory" in str(w.message)] == []
    assert response.status_code == 200
