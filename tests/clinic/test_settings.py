"""Settings come from the environment; production mode passes check --deploy."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "CLINIC_ENV": "production",
    "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
    "ALLOWED_HOSTS": "clinic.example.com",
    "DATABASE_URL": "postgres://clinic@db.invalid:5432/clinic",
    "CLINIC_BASE_URL": "https://clinic.example.com",
    "AUDIT_CHECKPOINT_KEY": "c" * 40,
    "AUDIT_CHECKPOINT_FILE": "/var/lib/clinic/audit-checkpoints",
}


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DEBUG",
            "DATABASE_URL",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "CLINIC_BASE_URL",
            "AUDIT_CHECKPOINT_KEY",
            "AUDIT_CHECKPOINT_FILE",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_mode_requires_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mode_refuses_debug():
    result = manage("check", **PRODUCTION, DEBUG="True")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_a_misspelt_mode_fails_loudly():
    result = manage("check", CLINIC_ENV="prod")
    assert result.returncode != 0
    assert "Unexpected CLINIC_ENV" in result.stderr


def test_times_are_aware_and_in_the_clinics_zone():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == settings.CLINIC_TIME_ZONE


def test_production_mode_requires_the_base_url_of_e_mailed_links():
    env = {k: v for k, v in PRODUCTION.items() if k != "CLINIC_BASE_URL"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "CLINIC_BASE_URL" in result.stderr


def test_production_mode_refuses_a_plain_http_base_url():
    result = manage("check", **(PRODUCTION | {"CLINIC_BASE_URL": "http://clinic.example.com"}))
    assert result.returncode != 0
    assert "CLINIC_BASE_URL" in result.stderr


def test_production_mode_requires_the_audit_checkpoint_key_and_file():
    for name in ("AUDIT_CHECKPOINT_KEY", "AUDIT_CHECKPOINT_FILE"):
        env = {k: v for k, v in PRODUCTION.items() if k != name}
        result = manage("check", **env)
        assert result.returncode != 0, name
        assert name in result.stderr
