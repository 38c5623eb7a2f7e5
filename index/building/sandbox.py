"""Bounds on the work one source file may cause, and a child process to read untrusted files in.

A small file can ask for a great deal: a DOCX of a few kilobytes can unpack to
hundreds of megabytes or hold tens of thousands of paragraphs. The cheap checks
here refuse such files before a reader opens them; an uploaded file is then
read in a child process with a memory and a time limit, so a file that still
gets past them costs the child, not the server, and ends with a clear reason.
"""

from __future__ import annotations

import multiprocessing
import resource
import zipfile
from xml.parsers import expat
from dataclasses import dataclass
from pathlib import Path

from index.config import Settings
from ingest.model import DocumentMeta, IngestError, ParsedDocument
from ingest.pipeline import ingest_file
from ingest.redact import RedactionPolicy

# WordprocessingML's paragraph and table row, by namespace (transitional and strict), whatever prefix names them.
_WORD_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
_DOCX_BLOCKS = {f"{namespace} {name}" for namespace in _WORD_NAMESPACES for name in ("p", "tr")}


@dataclass(frozen=True)
class Limits:
    docx_max_unpacked: int  # bytes
    docx_max_paragraphs: int
    timeout: int  # seconds
    memory: int  # bytes of address space
    redaction: RedactionPolicy = RedactionPolicy()  # what reading masks: travels with the file into the child

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(
            docx_max_unpacked=settings.docx_max_unpacked_mb * 2**20,
            docx_max_paragraphs=settings.docx_max_paragraphs,
            timeout=settings.ingest_timeout,
            memory=settings.ingest_memory_mb * 2**20,
            redaction=RedactionPolicy(keep_signing_officials=settings.keep_signing_officials),
        )


def check_docx_size(archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse a DOCX that unpacks to more than `limit` bytes; reads only the zip's table of contents.

    zipfile never returns more than a member's declared size, so the declared sizes are a true bound.
    """
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limit:
        raise IngestError(
            f"DOCX-filen packas upp till {unpacked / 2**20:.0f} MB; gränsen är {limit // 2**20} MB "
            "(KB_DOCX_MAX_UNPACKED_MB). Spara dokumentet utan inbäddade bilder eller dela upp det."
        )


def check_bounds(path: Path, limits: Limits) -> None:
    """Refuse a file whose reading would be unbounded work, before any reader opens it."""
    if path.suffix.lower() != ".docx":
        return
    try:
        with zipfile.ZipFile(path) as archive:
            check_docx_size(archive, limits.docx_max_unpacked)
            with archive.open("word/document.xml") as xml:
                _count_blocks(xml, limits.docx_max_paragraphs)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, expat.ExpatError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IngestError(f"DOCX kan inte läsas (trasig fil?): {reason}") from None


def _count_blocks(xml, most: int) -> None:
    """Refuse a document body with more than `most` paragraphs and table rows.

    Counted by namespace, as Word's reader sees them: a prefix is the file's own
    choice, so `<x:p>` with x bound to WordprocessingML is a paragraph too. A
    document type declaration is refused (Word writes none; entities could make a
    small file expand).
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    count = 0

    def start(name: str, attributes) -> None:
        nonlocal count
        if name in _DOCX_BLOCKS:
            count += 1
            if count > most:
                raise IngestError(
                    f"DOCX-filen har fler än {most} stycken och tabellrader (KB_DOCX_MAX_PARAGRAPHS). Dela upp "
                    f"dokumentet."
                )

    def doctype(*_) -> None:
        raise IngestError(
            "DOCX-filen har en dokumenttypsdeklaration (DTD), vilket Word aldrig skriver. Spara om dokumentet i Word."
        )

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.ParseFile(xml)


def read_bounded(path: Path, manifest: dict[str, DocumentMeta], doc_id: str, limits: Limits) -> ParsedDocument:
    """check_bounds, then the pipeline, in this process: for files the county itself put in place."""
    check_bounds(path, limits)
    return ingest_file(path, manifest, doc_id=doc_id, policy=limits.redaction)


def read_isolated(path: Path, manifest: dict[str, DocumentMeta], doc_id: str, limits: Limits) -> ParsedDocument:
    """read_bounded in a child process that may use `limits.memory` and is stopped after `limits.timeout` s.

    Raises IngestError with the reason when the file is refused, runs out of
    time or memory, or the child dies. The child is started fresh (spawn), so
    it shares no locks or threads with the server.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, path, manifest, doc_id, limits), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            raise IngestError(
                f"läsningen tog mer än {limits.timeout} sekund{'er' if limits.timeout != 1 else ''} och avbröts "
                "(KB_INGEST_TIMEOUT). "
                "Dela upp dokumentet eller spara det i ett enklare format."
            )
        try:
            outcome, value = receiver.recv()
        except EOFError:  # the child died without answering: killed by the kernel or a crash in C code
            raise IngestError(_memory_message(limits)) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "ok":
        return value
    raise IngestError(value)


def _memory_message(limits: Limits) -> str:
    return (
        f"läsningen behövde mer minne än de {limits.memory // 2**20} MB en uppladdad fil får använda "
        "(KB_INGEST_MEMORY_MB) och avbröts."
    )


def _peak_memory() -> int:
    """Bytes of address space this process used at most (Linux; 0 where unknown)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(sender, path: Path, manifest: dict, doc_id: str, limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    try:
        sender.send(("ok", read_bounded(path, manifest, doc_id, limits)))
    except BaseException as exc:  # every failure goes back as a reason; the parent decides what to do
        # A reader may report exhausted memory as a broken file: the peak tells which it was.
        if isinstance(exc, MemoryError) or _peak_memory() > 0.9 * limits.memory:
            reason = _memory_message(limits)
        elif isinstance(exc, IngestError):
            reason = str(exc)
        else:
            reason = f"oväntat fel vid läsningen: {type(exc).__name__}: {exc}"
        sender.send(("refused", reason))
    finally:
        sender.close()
