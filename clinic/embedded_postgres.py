"""Embedded PostgreSQL for machines without ``DATABASE_URL``.

The app never falls back to SQLite: without a server of its own, it starts a
real PostgreSQL through ``pgserver`` in a git-ignored folder of the project and
keeps it running, so the next command (runserver, a test run, migrate) reuses
it instead of starting another. ``manage.py embedded_postgres stop`` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "clinic"


def _server(data_dir: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root or CI);
    # its fallback folder is fine for pgserver's lock file.
    warnings.filterwarnings("ignore", module="platformdirs")
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - requirements.txt installs it
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the 'pgserver' package is missing, so no "
            "embedded PostgreSQL can start. Install requirements.txt or set DATABASE_URL."
        ) from exc
    # pgserver logs every step at INFO; keep manage.py output readable.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        # cleanup_mode=None: leave the server running when this process exits.
        return pgserver.get_server(data_dir, cleanup_mode=None)
    except Exception as exc:
        log = data_dir / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        raise ImproperlyConfigured(
            f"The embedded PostgreSQL in {data_dir} could not start: {exc!r}.\n"
            f"Its log ends with:\n{tail}\n"
            "Fix the cause above, delete that folder to start afresh, or set "
            "DATABASE_URL to use another PostgreSQL server."
        ) from exc


def database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return Django DATABASES['default']."""
    server = _server(data_dir)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    _ensure_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": str(info.port or ""),
    }


def _ensure_database(socket_dir: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; return whether it was running."""
    import pgserver
    from pgserver._commands import pg_ctl

    if not (data_dir / "postmaster.pid").exists():
        return False
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    pg_ctl(["-w", "stop"], pgdata=data_dir, user=server.system_user)
    return True
