"""The editors' pages: upload documents and new versions, review and publish drafts, edit metadata,
retire, re-index, audit log.

Every change goes through the same Indexer as `kb ingest`, in a background
thread so the page answers at once and shows progress; changes wait in a queue
and run one at a time, as the writer lock requires. An upload is refused before its body is read
unless it comes from a signed-in editor with the form's token; its file is
checked by name and content before anything is written, read in a child
process with a memory and time limit, and a file the pipeline cannot read
leaves the index untouched. A file that is read becomes a draft (index/building/preview.py):
only the editor who uploaded it sees it, with what it would change in search,
until that editor publishes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import re
import shutil
import unicodedata
import uuid
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from app.auth import ROLE_LABELS, audit, audit_entries, check_csrf, csrf_protect, require_role
from app.drafts import Previews, changes, compare, questions_for
from app.inspect import HEAD_LABELS, REMOVED_LABELS, reading_of
from app.jobs import Job, Jobs
from app.pages import document_or_404
from app.payloads import MAX_QUERY
from app.progress import masked_at_rest
from index.building.indexer import FileResult, Indexer, MissingSources
from index.config import Settings
from index.building.preview import drop_preview, drop_upload, has_preview, keep_vectors, preview_searcher, read_draft
from index.building.sandbox import check_docx_size
from index.retrieve.search import Searcher
from index.storage import Document
from index.storage.records import Draft
from ingest.counties import regions
from ingest.kept import document_id
from ingest.manifest import DOC_TYPES, MANIFEST_NAME, STATUSES, canonical_region
from ingest.model import DocumentMeta, IngestError
from ingest.redact import name_digest

# What an editor may upload, exactly as docs/operations.md and the upload page say; anything else is refused by name.
SUFFIX_KIND = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}
KIND_LABELS = {"pdf": "PDF", "docx": "Word (DOCX)", "txt": "text", "md": "Markdown"}
ACCEPTED = ", ".join(SUFFIX_KIND)
_FOLD = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuAAOEU")


class UploadRefused(ValueError):
    """A file refused before anything is written; the message is shown to the editor."""


def check_name(file_name: str) -> str:
    """The kind the file's name claims; refuses names without a known extension or with hidden characters.

    A right-to-left override or another invisible character makes a name read
    differently from what it is ("avtal\u202efdp.txt" shows as "avtaltxt.pdf").
    """
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in file_name):
        raise UploadRefused("Filnamnet innehåller osynliga styrtecken. Byt namn på filen och försök igen.")
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIX_KIND:
        shown = f"Filtypen {suffix}" if suffix else "En fil utan filändelse"
        raise UploadRefused(f"{shown} kan inte laddas upp. Tillåtna filtyper: {ACCEPTED}.")
    return SUFFIX_KIND[suffix]


def sniff(content: bytes, file_name: str, docx_max_unpacked: int) -> str:
    """The file's kind from its bytes, which must agree with its name; the name chooses between text and Markdown."""
    claimed = check_name(file_name)
    if content.startswith(b"%PDF-"):
        kind = "pdf"
    elif content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    check_docx_size(archive, docx_max_unpacked)
        except zipfile.BadZipFile:
            raise UploadRefused("Filen ser ut som ett zip-arkiv men är skadad.") from None
        except IngestError as exc:
            raise UploadRefused(str(exc)) from None
        if "word/document.xml" not in names:
            raise UploadRefused("Zip-filen är inget Word-dokument (DOCX). Spara dokumentet som .docx och försök igen.")
        kind = "docx"
    elif b"\x00" not in content and _is_utf8(content):
        kind = "md" if claimed == "md" else "txt"
    else:
        raise UploadRefused(
            "Filtypen stöds inte: filen är varken PDF, Word (DOCX) eller text i UTF-8."
            f" Filen heter {Path(file_name).suffix} men innehållet stämmer inte."
        )
    if {claimed, kind} != {"txt", "md"} and claimed != kind:
        raise UploadRefused(
            f"Filen heter {Path(file_name).suffix} men innehållet är {KIND_LABELS[kind]}, inte {KIND_LABELS[claimed]}."
        )
    if not content.strip():
        raise UploadRefused("Filen är tom.")
    return kind


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_doc_id(name: str) -> str:
    """A file-system and URL safe id from a file name: 'Överenskommelse 2024 (1).pdf' -> 'overenskommelse-2024-1'."""
    stem = Path(name.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    slug = "-".join(re.findall(r"[a-z0-9]+", stem.translate(_FOLD).lower()))[:80].strip("-")
    return slug


def manifest_toml(meta: DocumentMeta) -> str:
    """A one-entry manifest beside a new version of a document a manifest describes, so its metadata
    travels with the kept upload (and survives --rebuild)."""
    lines = [f"[documents.{meta.doc_id}]"]
    for key in ("title", "region", "doc_type", "decided", "valid_from", "valid_to", "status"):
        value = getattr(meta, key)
        if value:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    if meta.parties:
        lines.append(f"parties = {json.dumps(meta.parties, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def chosen_fields(doc_id: str, form: dict) -> dict:
    """What an editor chose for a new document (titel, län, typ, status), checked by the manifest's rules;
    what is left empty is read from the text. Kept as the editor's edits, so they show as the editor's."""
    title = " ".join((form.get("title") or "").split())
    status = (form.get("status") or "").strip()
    meta = meta_from_form(doc_id, form | {"title": title or doc_id, "status": status or "gällande"}, [])
    chosen = {"title": title, "region": meta.region, "doc_type": meta.doc_type, "status": status and meta.status}
    return {key: value for key, value in chosen.items() if value}


def meta_from_form(doc_id: str, form: dict, parties: list[str]) -> DocumentMeta:
    """Validate editor input with the manifest's rules; raises ValueError with a Swedish message."""
    title = " ".join((form.get("title") or "").split())
    if not title or len(title) > 300:
        raise ValueError("Titeln måste vara 1–300 tecken.")
    region = None
    if (form.get("region") or "").strip():
        region = canonical_region(form["region"])
        if region is None:
            raise ValueError(f"Okänt län: {form['region']!r}.")
    doc_type = (form.get("doc_type") or "").strip() or None
    if doc_type and doc_type not in DOC_TYPES:
        raise ValueError(f"Okänd dokumenttyp: {doc_type!r}.")
    status = (form.get("status") or "gällande").strip()
    if status not in STATUSES:
        raise ValueError(f"Okänd status: {status!r}.")
    dates = {}
    for key, label in (("decided", "Beslutsdatum"), ("valid_from", "Giltig från"), ("valid_to", "Giltig till")):
        value = (form.get(key) or "").strip()
        if value:
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise ValueError(f"{label} måste vara ett datum ÅÅÅÅ-MM-DD.") from None
        dates[key] = value or None
    if dates["valid_from"] and dates["valid_to"] and dates["valid_from"] > dates["valid_to"]:
        raise ValueError("Giltig till är före giltig från.")
    return DocumentMeta(
        doc_id=doc_id, title=title, region=region, doc_type=doc_type, parties=parties, status=status, **dates
    )


def file_meta_of(store, document: Document) -> DocumentMeta:
    """What the document's own manifest entry says (not the editors' edits, which are kept apart)."""
    base = store.file_meta(document)
    return DocumentMeta(doc_id=document.doc_id, guessed=base["guessed"], **base["values"])


# -- background jobs ---------------------------------------------------------


# -- routes ------------------------------------------------------------------------


class Admin:
    """What the editors' pages work with: the searcher and its store, the job queue, the indexer (made
    on first use, sharing the searcher's model, so starting the app loads nothing extra), the drafts'
    previews and the page templates. One per app, in `app.state.admin`."""

    def __init__(self, settings: Settings, searcher: Searcher, templates: Jinja2Templates):
        self.settings, self.searcher, self.templates = settings, searcher, templates
        self.store = searcher.store
        self.jobs = Jobs()
        self.uploads = settings.shared_dir / "uploads"
        self.previews = Previews(lambda draft_id: preview_searcher(settings, draft_id, searcher.embedder))
        self._indexer: Indexer | None = None

    def indexer(self) -> Indexer:
        if self._indexer is None:
            self._indexer = Indexer(self.settings, self.searcher.embedder)
        return self._indexer

    def start(self, kind: str, label: str, user, work) -> RedirectResponse:
        """Queue an editor's job and send the editor to its page."""
        job = self.jobs.start(Job(uuid.uuid4().hex[:12], kind, label, user.name), work)
        return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)

    def render(self, request: Request, name: str, context: dict, status: int = 200):
        context = {"user": EDITOR(request), "role_labels": ROLE_LABELS} | context
        return self.templates.TemplateResponse(request, f"admin/{name}", context, status_code=status)

    def upload_form(self, request: Request, error: str = "", status: int = 200, values: dict | None = None):
        settings = self.settings
        return self.render(
            request,
            "upload.html",
            {
                "documents": self.store.documents(),
                "error": error,
                "values": values or {},
                "doc_types": DOC_TYPES,
                "statuses": STATUSES,
                "regions": [r.name for r in regions()],
                "max_mb": settings.max_upload_mb,
                "accepted": ",".join(SUFFIX_KIND),
                "keep_originals": settings.keep_originals,
            },
            status,
        )

    def read_and_compare(
        self, job: Job, draft_id: str, path: Path, chosen: dict, who: str
    ) -> tuple[FileResult, list[dict], Path]:
        """Read the file into the draft's copy of the corpus and ask the questions it may change of both;
        returns also the file the draft is kept as (its masked copy)."""
        result, kept = read_draft(
            self.settings, self.store, self.searcher.embedder, draft_id, path, chosen, who, job.on_progress
        )
        job.results = [result]
        if result.outcome == "unchanged":
            return result, [], kept
        self.previews.forget(draft_id)  # a copy read again is a new copy
        preview = self.previews.get(draft_id)
        doc_id = document_id(path)
        asked = questions_for(reading_of(preview.store, doc_id, "draft"), reading_of(self.store, doc_id))
        job.done, job.total = 0, 0
        job.current = f"Ställer {len(asked)} frågor till sökningen med och utan utkastet"
        return result, changes(self.searcher, preview, asked, doc_id), kept

    def draft_or_404(self, request: Request, draft_id: str) -> Draft:
        """A draft is its uploader's: to everyone else it does not exist."""
        draft = self.store.drafts.get(draft_id)
        if draft is None or draft.uploaded_by != EDITOR(request).name:
            raise HTTPException(404, "Utkastet finns inte: det är publicerat eller slängt, eller någon annans.")
        return draft

    def forget_draft(self, draft_id: str) -> None:
        self.store.drafts.remove(draft_id)
        self.previews.forget(draft_id)
        drop_preview(self.settings, draft_id)

    def document_form(self, request: Request, document: Document, error: str = "", status: int = 200):
        source = Path(document.source_path)
        return self.render(
            request,
            "document.html",
            {
                "document": document,
                "versions": self.store.versions(document.doc_id),
                "error": error,
                "doc_types": DOC_TYPES,
                "statuses": STATUSES,
                "regions": [r.name for r in regions()],
                "from_corpus": self.settings.corpus_dir.resolve() in source.parents,
                "from_upload": self.uploads.resolve() in source.parents,
                "provenance": self.store.meta_provenance(document.doc_id),
            },
            status,
        )

    def reading_form(self, request: Request, doc_id: str, error: str = "", status: int = 200):
        return self.render(
            request,
            "reading.html",
            {
                "reading": reading_of(self.store, doc_id),
                "removed_labels": REMOVED_LABELS,
                "head_labels": HEAD_LABELS,
                "marks": self.store.name_marks(doc_id),
                "mask_error": error,
            },
            status,
        )

    def job_or_404(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "Jobbet finns inte (det kan ha körts före en omstart).")
        return job


EDITOR = require_role("editor")
router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(EDITOR)])


def admin_of(request: Request) -> Admin:
    return request.app.state.admin


AdminDep = Annotated[Admin, Depends(admin_of)]


@router.get("", response_class=HTMLResponse)
def documents(admin: AdminDep, request: Request):
    return admin.render(
        request,
        "documents.html",
        {
            "documents": admin.store.documents(include_retired=True),
            "jobs": [j for j in admin.jobs.recent() if j.active],
            "drafts": admin.store.drafts.by(EDITOR(request).name),
            "keep_originals": admin.settings.keep_originals,
        },
    )


@router.get("/upload", response_class=HTMLResponse)
def upload_page(admin: AdminDep, request: Request, doc_id: str = ""):
    return admin.upload_form(request, values={"target": doc_id})


@router.post("/upload")
async def upload(admin: AdminDep, request: Request):
    """The router has checked the session and this checks the token (sent in the address) before the
    body is read, so an anonymous or forged upload costs nothing; the body itself is capped in app.guard."""
    user = EDITOR(request)
    check_csrf(request, request.query_params.get("csrf"))
    try:
        form = await request.form(max_files=1, max_fields=16)
    except HTTPException:
        return admin.upload_form(request, "Formuläret kunde inte läsas. Välj en fil och försök igen.", 400)
    values = {
        key: str(form.get(key) or "").strip() for key in ("target", "doc_id", "title", "region", "doc_type", "status")
    }
    target, doc_id = values["target"], values["doc_id"]
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        await form.close()
        return admin.upload_form(request, "Välj en fil att ladda upp.", 400, values)
    content = await file.read(admin.settings.max_upload + 1)
    await form.close()  # the spooled copy goes now; what is kept is written below
    chosen: dict = {}  # what the editor chose for a new document, kept as the editor's edits
    meta = existing = None
    try:
        if len(content) > admin.settings.max_upload:
            raise UploadRefused(f"Filen är större än {admin.settings.max_upload_mb} MB.")
        kind = sniff(content, file.filename, admin.settings.docx_max_unpacked_mb * 2**20)
        if target:
            existing = document_or_404(admin.store, target)
            if existing.retired:
                raise UploadRefused(
                    f"Dokumentet {target} är borttaget ur sökningen. Ta tillbaka det på dess sida först."
                )
            doc_id = target
            meta = None if existing.guessed else file_meta_of(admin.store, existing)
        else:
            doc_id = safe_doc_id(doc_id or file.filename)
            if not doc_id:
                raise UploadRefused("Ange ett dokument-id med bokstäver eller siffror.")
            if admin.store.document(doc_id):
                raise UploadRefused(f"Dokumentet {doc_id} finns redan. Välj det under ”Ny version av” i stället.")
            chosen = chosen_fields(doc_id, values)
        pending = admin.store.drafts.of_document(doc_id)
        if pending:
            raise UploadRefused(
                f"Det finns redan ett opublicerat utkast av {doc_id}, uppladdat av {pending.uploaded_by} "
                f"{pending.uploaded_at} UTC. Det måste publiceras eller slängas innan nästa laddas upp."
            )
    except ValueError as exc:  # UploadRefused or a metadata error
        audit(admin.store, user, "uppladdning nekad", f"{file.filename}: {exc}")
        return admin.upload_form(request, str(exc), 400, values)

    folder = admin.uploads / doc_id / dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    folder.mkdir(parents=True)
    path = folder / f"{doc_id}.{kind}"
    path.write_bytes(content)
    if meta:
        (folder / MANIFEST_NAME).write_text(manifest_toml(meta), encoding="utf-8")

    def discard() -> None:
        """Nothing of a refused file is kept; the document's folder goes too if this was all it had."""
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()

    draft_id = uuid.uuid4().hex[:12]

    def work(job: Job) -> None:
        try:
            result, compared, kept = admin.read_and_compare(job, draft_id, path, chosen, user.name)
        except IngestError as exc:
            discard()
            job.state, job.message = "failed", f"Filen kunde inte läsas: {exc}"
            audit(admin.store, user, "uppladdning misslyckades", f"{doc_id}: {exc}")
            return
        except BaseException:
            discard()
            raise
        if result.outcome == "unchanged":
            drop_preview(admin.settings, draft_id)
            discard()
            job.message = f"Filen är likadan som version {result.version} av {doc_id}; det finns inget att publicera."
            return
        admin.store.drafts.add(
            Draft(
                id=draft_id,
                doc_id=doc_id,
                target_version=existing.current_version if existing else None,
                file_name=file.filename,
                file=str(kept),
                chosen=chosen,
                uploaded_by=user.name,
                uploaded_at="",
                changes=compared,
            )
        )
        job.link = f"/admin/drafts/{draft_id}"
        job.message = f"Filen är läst som ett utkast; bara du ser det tills du publicerar det. {job.summary()}"
        audit(admin.store, user, "utkast uppladdat", f"{doc_id} ({file.filename}, {len(content)} byte)")

    return admin.start("upload", f"Uppladdning av {file.filename}", user, work)


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(admin: AdminDep, request: Request, draft_id: str, q: str = ""):
    draft = admin.draft_or_404(request, draft_id)
    current = admin.store.document(draft.doc_id)
    context = {"draft": draft, "current": current, "q": q.strip()[:MAX_QUERY]}
    if not has_preview(admin.settings, draft_id):
        return admin.render(request, "draft_missing.html", context)
    preview = admin.previews.get(draft_id)
    context |= {
        "reading": reading_of(preview.store, draft.doc_id, "draft"),
        "removed_labels": REMOVED_LABELS,
        "head_labels": HEAD_LABELS,
        "provenance": preview.store.meta_provenance(draft.doc_id),
        "stale": bool(draft.target_version and current and current.current_version != draft.target_version),
    }
    if context["q"]:
        context["tried"] = compare(admin.searcher, preview, context["q"], draft.doc_id)
    return admin.render(request, "draft.html", context)


@router.post("/drafts/{draft_id}/publish", dependencies=[Depends(csrf_protect)])
def publish_draft(admin: AdminDep, request: Request, draft_id: str):
    user = EDITOR(request)
    draft = admin.draft_or_404(request, draft_id)
    doc_id = draft.doc_id

    def work(job: Job) -> None:
        if admin.store.drafts.get(draft_id) is None:
            job.state, job.message = "failed", "Utkastet finns inte längre: det är redan publicerat eller slängt."
            return
        new = draft.target_version is None
        if new and admin.store.document(doc_id):
            job.state, job.message = (
                "failed",
                (
                    f"Ett dokument {doc_id} har tillkommit sedan utkastet laddades upp. "
                    "Släng utkastet och ladda upp filen med ett annat dokument-id."
                ),
            )
            return
        if has_preview(admin.settings, draft_id):
            keep_vectors(admin.settings, admin.store, draft_id, doc_id, admin.searcher.embedder.dimension)
        if draft.chosen:
            admin.store.choose_meta(doc_id, draft.chosen, draft.uploaded_by)
        try:
            run = admin.indexer().ingest(
                [Path(draft.file)], who=draft.uploaded_by, progress=job.on_progress, isolated=True
            )
        except BaseException:
            if new:  # the choices must not wait for another document of the same id
                admin.store.reset_meta(doc_id)
            raise
        job.results = run.files
        if run.failed:
            if new:
                admin.store.reset_meta(doc_id)
            job.state, job.message = "failed", f"Filen kunde inte läsas: {run.failed[0].error} Utkastet finns kvar."
            return
        result = run.files[0]
        admin.forget_draft(draft_id)
        job.message = f"{doc_id} version {result.version} är publicerad och sökbar för alla. {job.summary()}"
        audit(
            admin.store,
            user,
            "nytt dokument" if new else "ny version",
            f"{doc_id} v{result.version} ({draft.file_name}), publicerat utkast från {draft.uploaded_at} UTC",
        )

    return admin.start("publish", f"Publicering av {draft.file_name}", user, work)


@router.post("/drafts/{draft_id}/discard", dependencies=[Depends(csrf_protect)])
def discard_draft(admin: AdminDep, request: Request, draft_id: str):
    user = EDITOR(request)
    draft = admin.draft_or_404(request, draft_id)
    admin.forget_draft(draft_id)
    drop_upload(admin.settings, admin.store, Path(draft.file))
    audit(admin.store, user, "utkast slängt", f"{draft.doc_id} ({draft.file_name})")
    return RedirectResponse("/admin", status_code=303)


@router.post("/drafts/{draft_id}/read", dependencies=[Depends(csrf_protect)])
def reread_draft(admin: AdminDep, request: Request, draft_id: str):
    """A draft without its copy (a backup restored elsewhere) is read again from its kept file."""
    user = EDITOR(request)
    draft = admin.draft_or_404(request, draft_id)

    def work(job: Job) -> None:
        result, compared, _ = admin.read_and_compare(job, draft_id, Path(draft.file), draft.chosen, draft.uploaded_by)
        admin.store.drafts.set_changes(draft_id, compared)
        job.link = f"/admin/drafts/{draft_id}"
        job.message = (
            "Utkastet är läst igen."
            if result.outcome != "unchanged"
            else (f"Filen är nu likadan som version {result.version} av {draft.doc_id}; släng utkastet.")
        )

    return admin.start("upload", f"Läser utkastet {draft.file_name} igen", user, work)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(admin: AdminDep, request: Request, doc_id: str):
    return admin.document_form(request, document_or_404(admin.store, doc_id))


@router.get("/documents/{doc_id}/reading", response_class=HTMLResponse)
def reading_page(admin: AdminDep, request: Request, doc_id: str):
    return admin.reading_form(request, document_or_404(admin.store, doc_id).doc_id)


@router.post("/documents/{doc_id}/mask", dependencies=[Depends(csrf_protect)])
async def mask_name(admin: AdminDep, request: Request, doc_id: str):
    """A name the rules missed, marked by an editor: kept as a digest, masked at every reading of the
    document from now on, and the document is read again at once so the name leaves it now."""
    user = EDITOR(request)
    document = document_or_404(admin.store, doc_id)
    name = str((await request.form()).get("name") or "")
    if document.retired:
        return admin.reading_form(
            request,
            doc_id,
            "Dokumentet är borttaget ur sökningen. Ta tillbaka det på dess sida först; då kan namnet maskas.",
            400,
        )
    try:
        digest, words = name_digest(doc_id, name)
    except ValueError as exc:
        return admin.reading_form(request, doc_id, str(exc), 400)
    if not admin.store.mark_name(doc_id, digest, words, user.name):
        return admin.reading_form(
            request, doc_id, "Namnet är redan markerat i dokumentet och maskas vid varje läsning.", 400
        )
    audit(admin.store, user, "namn markerat för maskning", f"{doc_id}: ett namn på {words} ord (namnet sparas inte)")

    def work(job: Job) -> None:
        job.current = f"Läser om {doc_id} med namnet maskat"
        try:
            run = admin.indexer().reread(doc_id, user.name, job.on_progress)
        except MissingSources as exc:
            job.state, job.message = "failed", f"{exc} Namnet är markerat och maskas när dokumentet läses nästa gång."
            return
        job.results = run.files
        if run.failed:
            job.state, job.message = (
                "failed",
                (
                    f"Dokumentet kunde inte läsas om: {run.failed[0].error} Namnet är markerat och maskas när "
                    "dokumentet läses nästa gång."
                ),
            )
            return
        job.link = f"/admin/documents/{doc_id}/reading"
        job.message = (
            f"{document.title} är läst om (index {run.generation}): namnet är maskat i styckena, i sökindexet och "
            f"i det som sparas av dokumentet, och maskas vid varje ny läsning. {job.summary()}"
        )

    return admin.start("mask", f"Maskera ett namn i {doc_id}", user, work)


@router.post("/documents/{doc_id}/meta", dependencies=[Depends(csrf_protect)])
async def edit_meta(admin: AdminDep, request: Request, doc_id: str):
    user = EDITOR(request)
    document = document_or_404(admin.store, doc_id)
    form = await request.form()
    parties = [p.strip() for p in str(form.get("parties") or "").splitlines() if p.strip()]
    try:
        meta = meta_from_form(doc_id, {k: str(v) for k, v in form.items()}, parties)
    except ValueError as exc:
        typed = {k: form.get(k) for k in ("title", "region", "doc_type", "decided", "valid_from", "valid_to", "status")}
        return admin.document_form(request, dataclasses.replace(document, **typed, parties=parties), str(exc), 400)
    changed = admin.store.update_meta(doc_id, meta, user.name)
    audit(admin.store, user, "metadata ändrad", f"{doc_id}: {', '.join(changed) or 'inga ändringar'}")
    return RedirectResponse(f"/admin/documents/{doc_id}", status_code=303)


@router.post("/documents/{doc_id}/meta/reset", dependencies=[Depends(csrf_protect)])
def reset_meta(admin: AdminDep, request: Request, doc_id: str):
    user = EDITOR(request)
    document_or_404(admin.store, doc_id)
    admin.store.reset_meta(doc_id)
    audit(admin.store, user, "metadata återställd", f"{doc_id}: värdena från manifestet eller texten gäller igen")
    return RedirectResponse(f"/admin/documents/{doc_id}", status_code=303)


@router.post("/documents/{doc_id}/retire", dependencies=[Depends(csrf_protect)])
def retire_document(admin: AdminDep, request: Request, doc_id: str):
    user = EDITOR(request)
    document = document_or_404(admin.store, doc_id)
    if document.retired:
        return RedirectResponse(f"/admin/documents/{doc_id}", status_code=303)

    def work(job: Job) -> None:
        job.current = f"Tar {doc_id} ur sökningen och bygger sökindexet"
        generation = admin.indexer().retire(doc_id, user.name)
        job.message = (
            f"{document.title} är borttaget ur sökningen (index {generation}). Historiken finns kvar, "
            "och dokumentet förblir borttaget vid omindexering tills en redaktör tar tillbaka det."
        )
        audit(admin.store, user, "borttaget ur sökningen", doc_id)

    return admin.start("retire", f"Ta bort {doc_id} ur sökningen", user, work)


@router.post("/documents/{doc_id}/reinstate", dependencies=[Depends(csrf_protect)])
def reinstate_document(admin: AdminDep, request: Request, doc_id: str):
    user = EDITOR(request)
    document = document_or_404(admin.store, doc_id)
    if not document.retired_by:  # not retired, or retired because its file is gone: ingest decides
        return RedirectResponse(f"/admin/documents/{doc_id}", status_code=303)

    def work(job: Job) -> None:
        job.current = f"Tar tillbaka {doc_id} i sökningen och bygger sökindexet"
        generation = admin.indexer().reinstate(doc_id)
        job.message = f"{document.title} är sökbart igen (index {generation})."
        audit(admin.store, user, "dokument återinfört", doc_id)

    return admin.start("reinstate", f"Ta tillbaka {doc_id} i sökningen", user, work)


@router.post("/reindex", dependencies=[Depends(csrf_protect)])
def reindex(admin: AdminDep, request: Request):
    user = EDITOR(request)
    corpus = admin.settings.corpus_dir

    def work(job: Job) -> None:
        run = admin.indexer().ingest([corpus], who=user.name, progress=job.on_progress)
        job.results = run.files
        job.message = f"Index {run.generation}. {job.summary()}{masked_at_rest(run.rewritten)}"
        if any(f.outcome == "skipped" for f in run.files):
            job.message += (
                " Överhoppade är borttagna ur sökningen av en redaktör och läses inte in förrän någon tar tillbaka dem."
            )
        if run.failed:
            job.state = "failed"
        audit(admin.store, user, "omindexering", f"{corpus}: {job.message}")

    return admin.start("reindex", f"Indexering av {corpus}", user, work)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(admin: AdminDep, request: Request):
    return admin.render(request, "jobs.html", {"jobs": admin.jobs.recent(), "corpus": admin.settings.corpus_dir})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(admin: AdminDep, request: Request, job_id: str):
    job = admin.job_or_404(job_id)
    return admin.render(request, "job.html", {"job": job, "ahead": admin.jobs.ahead_of(job)})


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(admin: AdminDep, request: Request, job_id: str):
    job = admin.job_or_404(job_id)
    return admin.render(request, "_progress.html", {"job": job, "ahead": admin.jobs.ahead_of(job)})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(admin: AdminDep, request: Request):
    return admin.render(request, "audit.html", {"entries": audit_entries(admin.store)})
