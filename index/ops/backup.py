"""`kb backup FILE` and `kb restore FILE`: the whole service in one archive, restorable into any folder.

The archive holds what cannot be rebuilt from corpus/: the database (accounts,
courses, editors' edits and decisions, audit log, history, cached vectors, the
session key), every kept copy (sources/: the text of each version, personal data
masked), every upload (as its masked copy), plus the current search index so a
restored service answers at once with the same results. The original files that
KB_KEEP_ORIGINALS keeps (originals/, personal data included) are in it only when
asked for: an archive copied to other places should not carry them unawares. The
database is copied with SQLite's online backup, so the service can keep
running; the writer lock keeps an ingest from changing files meanwhile. With
PostgreSQL, pg_dump and a copy of the shared folder do this job (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from index.config import Settings
from index.storage import Store, generation_dir
from index.storage.snapshot import check_sqlite, copy_sqlite

FORMAT = 1
MARKER = "kb-backup.json"
PARTS = ("kb.sqlite", "secret.key", "sources", "uploads", "originals", "generations")


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do, and nothing was changed."""


def backup(settings: Settings, target: Path, originals: bool = False) -> dict:
    """Write the archive to `target` (never over an existing file); returns what it holds. The original
    files (originals/) go in only with `originals`."""
    data = settings.data_dir
    _refuse_postgresql(settings)
    target = Path(target).absolute()
    if target.exists():
        raise BackupError(f"{target} finns redan. Välj ett nytt filnamn, så skrivs ingen äldre säkerhetskopia över.")
    if not settings.db_path.is_file():
        raise BackupError(f"Det finns ingen databas att säkerhetskopiera i {data} (KB_DATA_DIR).")
    if not target.parent.is_dir():
        raise BackupError(f"Mappen {target.parent} finns inte.")
    partial = target.with_name(f".{target.name}.tmp")
    with Store(settings).writer_lock(), tempfile.TemporaryDirectory(dir=target.parent, prefix=".kb-backup-") as work:
        snapshot = Path(work) / "kb.sqlite"
        summary = copy_sqlite(settings.db_path, snapshot)
        summary |= {
            "format": FORMAT,
            "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "secret_key": not settings.secret_key,  # kept in the database unless set outside it
            "originals": originals and (data / "originals").is_dir(),
        }
        try:
            with tarfile.open(partial, "w:gz") as archive:
                marker = json.dumps(summary, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MARKER)
                info.size, info.mtime = len(marker), int(dt.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(marker))
                archive.add(snapshot, "kb.sqlite")
                for name in ("secret.key", "sources", "uploads", *(["originals"] if originals else [])):
                    if (data / name).exists():
                        archive.add(data / name, name)
                index = generation_dir(data, summary["generation"])
                if index.is_dir():
                    archive.add(index, f"generations/{summary['generation']}")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return summary | {"bytes": target.stat().st_size}


def restore(settings: Settings, source: Path) -> dict:
    """Unpack an archive into the (empty or missing) data dir; returns what it held.

    Everything is unpacked and checked in a staging folder first, so a broken
    archive leaves the data dir as it was.
    """
    data = settings.data_dir
    _refuse_postgresql(settings)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Filen {source} finns inte.")
    if data.exists() and any(p.name != "ingest.lock" for p in data.iterdir()):
        raise BackupError(
            f"{data} (KB_DATA_DIR) är inte tom. Återställ till en tom mapp, eller flytta undan den som finns, "
            "så skrivs ingenting över."
        )
    data.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data))
    try:
        try:
            with tarfile.open(source, "r:*") as archive:
                members = archive.getmembers()
                _check_members(members, source)
                archive.extractall(staging, members=members, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{source} kan inte läsas som en säkerhetskopia från kb backup: {exc}") from None
        summary = _check_staged(staging, source)
        for child in staging.iterdir():
            if child.name != MARKER:
                os.replace(child, data / child.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if (data / "secret.key").exists():
        (data / "secret.key").chmod(0o600)
    Store(settings)  # brings a database from an older release up to date
    return summary


def _check_members(members: list[tarfile.TarInfo], source: Path) -> None:
    """Only our own parts, only files and folders, nothing outside the data dir."""
    for member in members:
        path = PurePosixPath(member.name)
        if (
            path.is_absolute()
            or ".." in path.parts
            or path.parts[0] not in (*PARTS, MARKER)
            or not (member.isfile() or member.isdir())
        ):
            raise BackupError(
                f"{source} innehåller {member.name!r}, som inte hör till en säkerhetskopia från kb backup."
            )


def _check_staged(staging: Path, source: Path) -> dict:
    marker = staging / MARKER
    if not marker.is_file() or not (staging / "kb.sqlite").is_file():
        raise BackupError(f"{source} är ingen säkerhetskopia från kb backup (kb-backup.json eller kb.sqlite saknas).")
    summary = json.loads(marker.read_text(encoding="utf-8"))
    if summary.get("format") != FORMAT:
        raise BackupError(
            f"{source} är skriven i format {summary.get('format')!r}; den här versionen läser format {FORMAT}."
        )
    verdict = check_sqlite(staging / "kb.sqlite")
    if verdict != "ok":
        raise BackupError(f"Databasen i {source} är skadad ({verdict}).")
    return summary


def _refuse_postgresql(settings: Settings) -> None:
    if settings.database_url:
        raise BackupError(
            "Databasen är PostgreSQL (KB_DATABASE_URL): säkerhetskopiera den med pg_dump och kopiera "
            "den delade mappen (KB_SHARED_DIR), se docs/operations.md."
        )
