"""Back up and restore the clinic's database with PostgreSQL's own tools.

Run through ``scripts/backup FILE`` and ``scripts/restore FILE`` (which call
``python -m clinic.backup``). The database is the app's own: ``DATABASE_URL``,
or the embedded server when it is unset, read through Django's settings so that
both always agree with the app.

* ``backup`` writes one ``pg_dump --format=custom`` file (compressed; every
  table, sequence, function and trigger), readable by its owner only.
* ``restore`` replaces the contents of the database with the file:
  ``pg_restore --clean --if-exists --no-owner``, in a single transaction that
  stops at the first error, so a failed restore changes nothing.
* Patient documents (the documents app) are files, not rows: with local
  storage (``PRIVATE_MEDIA_ROOT``), ``backup`` also writes ``FILE.documents.tar``
  beside the dump, and ``restore`` puts its files back once the database is
  restored (the folder it replaces is kept, renamed, never deleted). An
  S3-compatible store is backed up by the store itself (bucket versioning).

The audit trail survives a restore unchanged: pg_dump puts triggers in its
post-data section, so pg_restore loads every table's rows first and only then
creates the triggers. The chain trigger therefore never sees the restored rows
and their chain positions and hashes stay as they were; ``manage.py
verify_audit`` proves it afterwards (scripts/restore runs it).

The client tools are chosen to match the server's major version: ``$PG_BIN_DIR``
if set, else Debian's ``/usr/lib/postgresql/<major>/bin``, the embedded
server's own binaries (pgserver), or the ones on ``PATH``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path


def database_settings() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings

    return settings.DATABASES["default"]


def documents_folder() -> Path | None:
    """The local folder of the documents' storage, or None (an object store)."""
    from django.conf import settings

    storage = settings.STORAGES.get("documents", {})
    if not storage.get("BACKEND", "").endswith("FileSystemStorage"):
        return None
    return Path(storage.get("OPTIONS", {}).get("location") or settings.PRIVATE_MEDIA_ROOT)


def documents_archive(dump: Path) -> Path:
    return dump.with_name(dump.name + ".documents.tar")


def backup_documents(output: Path) -> str:
    folder = documents_folder()
    if folder is None:
        return "documents: in the object store (back it up there)"
    archive = documents_archive(output)
    partial = archive.with_name(archive.name + ".partial")
    count = 0
    old_umask = os.umask(0o077)
    try:
        with tarfile.open(partial, "w") as tar:
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
                        count += 1
    finally:
        os.umask(old_umask)
    partial.replace(archive)
    return f"{count} document file{'s' if count != 1 else ''} to {archive}"


def restore_documents(dump: Path) -> str:
    archive = documents_archive(dump)
    folder = documents_folder()
    if folder is None or not archive.is_file():
        return "no document files restored" + (" (no archive)" if folder is not None else "")
    staging = folder.with_name(folder.name + f".restoring-{os.getpid()}")
    staging.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")  # refuses absolute paths and ..
    if folder.exists():
        kept = folder.with_name(folder.name + time.strftime(".before-restore-%Y%m%d-%H%M%S"))
        folder.replace(kept)
        note = f" (the previous folder is kept as {kept})"
    else:
        note = ""
    staging.replace(folder)
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    return f"{count} document file{'s' if count != 1 else ''} into {folder}{note}"


def libpq_environment(db: dict) -> dict[str, str]:
    """The connection as libpq variables (the password never on a command line)."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = str(db.get(key) or "")
        if value:
            env[variable] = value
        else:
            env.pop(variable, None)
    return env


def server_major_version(db: dict) -> int:
    import psycopg2

    connection = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    try:
        return connection.server_version // 10000
    finally:
        connection.close()


def _candidate_dirs(major: int) -> list[Path]:
    dirs = []
    if os.environ.get("PG_BIN_DIR"):
        dirs.append(Path(os.environ["PG_BIN_DIR"]))
    dirs.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    # The embedded server's own binaries, found without importing pgserver.
    spec = importlib.util.find_spec("pgserver")
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location) / "pginstall" / "bin")
    return dirs


def _tool_major(path: Path) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 - a PostgreSQL tool we located
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", output)
    return int(match.group(1)) if match else None


def find_tool(name: str, major: int) -> Path:
    """``name`` (pg_dump, pg_restore) of the server's major version if there is
    one, else the oldest newer one (pg_dump reads older servers, not newer)."""
    candidates = [d / name for d in _candidate_dirs(major)]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    found = []
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            version = _tool_major(path)
            if version == major:
                return path
            if version is not None:
                found.append((version, path))
    newer = sorted((v, p) for v, p in found if v > major)
    if newer:
        return newer[0][1]
    seen = ", ".join(f"{p} ({v})" for v, p in found) or "none"
    raise SystemExit(
        f"No {name} for PostgreSQL {major} found (found: {seen}). Install the client "
        f"tools of PostgreSQL {major} or set PG_BIN_DIR to their folder."
    )


def backup(output: Path) -> None:
    db = database_settings()
    major = server_major_version(db)
    pg_dump = find_tool("pg_dump", major)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    started = time.monotonic()
    old_umask = os.umask(0o077)  # patient data: readable by the owner only
    try:
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            [str(pg_dump), "--format=custom", "--file", str(partial)],
            env=libpq_environment(db),
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        partial.unlink(missing_ok=True)
        raise SystemExit(f"pg_dump failed (exit status {exc.returncode}).") from exc
    finally:
        os.umask(old_umask)
    partial.replace(output)  # a half-written file never carries the final name
    size = output.stat().st_size
    print(
        f"Backed up database {db['NAME']!r} (PostgreSQL {major}) to {output} "
        f"({size / 1024:.0f} KiB, {time.monotonic() - started:.1f} s, {pg_dump})."
    )
    print(f"Backed up {backup_documents(output)}.")


def restore(dump: Path, *, assume_yes: bool) -> None:
    if not dump.is_file():
        raise SystemExit(f"No such backup file: {dump}")
    db = database_settings()
    if not assume_yes:
        if not sys.stdin.isatty():
            raise SystemExit("Restoring replaces the whole database: pass --yes to confirm.")
        answer = input(
            f"This replaces everything in database {db['NAME']!r} with {dump}.\n"
            f"Type the database name to go on: "
        )
        if answer.strip() != db["NAME"]:
            raise SystemExit("Not restored.")
    major = server_major_version(db)
    pg_restore = find_tool("pg_restore", major)
    started = time.monotonic()
    try:
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                str(pg_restore),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(db["NAME"]),
                str(dump),
            ],
            env=libpq_environment(db),
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        raise SystemExit(
            f"pg_restore failed (exit status {exc.returncode}); the database is unchanged."
        ) from exc
    print(
        f"Restored {dump} into database {db['NAME']!r} (PostgreSQL {major}) "
        f"in {time.monotonic() - started:.1f} s ({pg_restore})."
    )
    print(f"Restored {restore_documents(dump)}.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m clinic.backup", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup_parser = commands.add_parser("backup", help="write a backup file")
    backup_parser.add_argument("file", type=Path)
    restore_parser = commands.add_parser("restore", help="replace the database with a backup")
    restore_parser.add_argument("file", type=Path)
    restore_parser.add_argument("--yes", action="store_true", help="do not ask to confirm")
    args = parser.parse_args(argv)
    if args.command == "backup":
        backup(args.file)
    else:
        restore(args.file, assume_yes=args.yes)


if __name__ == "__main__":
    main()
