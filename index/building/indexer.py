"""Turn source files into a new searchable generation, incrementally and atomically.

A run parses only files whose content changed, embeds only chunks whose text
is not in the vector cache, then builds the search indexes for the new set of
active chunks into a fresh generation folder in the shared folder. The switch
is one database commit, which records the generation's checksum: until it
happens, every server keeps the previous generation; a crash before it leaves
the previous generation in use and nothing half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.config import Settings
from index.retrieve.embedder import Encoder, load_encoder
from index.retrieve.lexical import LexicalIndex
from index.text.passage_words import PassageWords
from index.params import IndexParams, RankingParams, generation_params
from index.building.sandbox import Limits, read_bounded, read_isolated
from index.retrieve.statement_vectors import StatementVectors, statement_texts
from index.storage import NewPassage, Store, digest, generation_dir, generation_encoder
from index.retrieve.vectors import VectorIndex
from ingest.kept import KEPT_SUFFIX, document_id, dump_kept, is_kept, load_kept, original_hash
from ingest.manifest import load_manifest
from ingest.model import IngestError, ParsedDocument, Responsibility
from ingest.pipeline import MANIFEST_NAME, source_files
from ingest.redact import MarkedNames, mask_marked


class MissingSources(RuntimeError):
    """--rebuild found documents whose kept source file is gone; nothing was changed."""


READING, EMBEDDING, BUILDING = "läser", "bäddar in", "bygger index"
EMBED_BATCH = 256  # text windows embedded between two progress reports


@dataclass(frozen=True)
class Progress:
    """How far an ingest has come: reading file `done` of `total`, embedding window `done` of `total`, building."""

    stage: str  # READING | EMBEDDING | BUILDING
    done: int
    total: int
    item: str | None  # the file being read


@dataclass
class Source:
    path: Path  # the bytes to read
    doc_id: str
    origin: Path  # where the editor's file lives, recorded as the document's source
    manifest: dict


@dataclass
class FileResult:
    path: str
    doc_id: str
    outcome: str  # new | revised | unchanged | failed | retired | skipped
    version: int | None = None
    error: str | None = None
    note: str | None = None  # why a file was skipped
    report: dict = field(default_factory=dict)
    embedded: int = 0  # chunks that needed a new embedding


@dataclass
class IngestRun:
    files: list[FileResult]
    generation: int
    embedded: int
    rewritten: int = 0  # files an older data dir kept as they came, replaced by their masked copies

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.outcome == "failed"]


@dataclass(frozen=True)
class Kept:
    """What is kept of a version: its masked copy, and the checksum of the bytes it was read from."""

    path: Path
    content_hash: str


def chunk_id(doc_id: str, section_path: list[str], text: str, occurrence: int) -> str:
    """Stable for the same text in the same section of the same document, whatever else changed."""
    normal = " ".join(re.findall(r"\w+", text.lower()))
    raw = "\x00".join([doc_id, " › ".join(section_path), normal, str(occurrence)])
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def embedding_windows(section_path: list[str], text: str, size: int, stride: int) -> list[str]:
    """Overlapping windows of a passage, each under its heading path.

    Small models read only the first couple of hundred tokens, fewer still of
    Swedish; a passage is found by its best window, so nothing past the start
    is invisible to dense retrieval.
    """
    heading = " › ".join(section_path)
    words = text.split()
    starts = range(0, max(len(words) - size, 0) + stride, stride) if words else [0]
    return [(heading + "\n" + " ".join(words[i : i + size])).strip() for i in starts]


def lexical_text(section_path: list[str], text: str) -> str:
    return " ".join(section_path) + "\n" + text


SOURCES, ORIGINALS, UPLOADS, DRAFTS = "sources", "originals", "uploads", "drafts"  # folders of the shared folder


def kept_file(shared_dir: Path, content_hash: str) -> Path:
    """Where the masked copy of the bytes with this checksum is kept."""
    return Path(shared_dir) / SOURCES / content_hash[:2] / f"{content_hash}{KEPT_SUFFIX}"


def original_file(shared_dir: Path, content_hash: str) -> Path | None:
    """The bytes with this checksum as they came, when KB_KEEP_ORIGINALS kept them."""
    folder = Path(shared_dir) / ORIGINALS / content_hash[:2]
    return next(iter(sorted(folder.glob(f"{content_hash}.*"))), None) if folder.is_dir() else None


def keep_original(shared_dir: Path, content: bytes, content_hash: str, suffix: str) -> None:
    target = Path(shared_dir) / ORIGINALS / content_hash[:2] / f"{content_hash}{suffix.lower()}"
    if not target.exists():
        write_file(target, content)


def let_go(settings: Settings, path: Path, content_hash: str) -> None:
    """A file as it came leaves where it is: into originals/ when KB_KEEP_ORIGINALS asks, else deleted."""
    if settings.keep_originals:
        keep_original(settings.shared_dir, path.read_bytes(), content_hash, path.suffix)
    path.unlink(missing_ok=True)


def write_file(target: Path, content: bytes) -> None:
    """Whole or not at all: written beside the target, then renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, target)


class Indexer:
    def __init__(self, settings: Settings, embedder=None, params: RankingParams | None = None):
        self.settings = settings
        self.store = Store(settings)
        self.limits = Limits.from_settings(settings)
        self._embedder = embedder
        self.params = params or RankingParams.defaults()  # saved with every generation built
        self.index_params = IndexParams.defaults()  # saved with every generation built, and searched with

    @property
    def embedder(self) -> Encoder:
        """Loaded on first use, so a run with nothing to embed never loads the model."""
        if self._embedder is None:
            self._embedder = load_encoder(self.settings)
        return self._embedder

    @property
    def encoder_name(self) -> str:
        return self._embedder.name if self._embedder is not None else self.settings.embedding_model

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        rebuild: bool = False,
        who: str | None = None,
        progress: Callable[[Progress], None] | None = None,
        isolated: bool = False,
    ) -> IngestRun:
        """Ingest files and folders. `isolated` reads each file in a child process with a memory and
        time limit (for uploads, whose content nobody vetted); otherwise in this process.

        Raises WriterBusy, ManifestError and, with `rebuild`, MissingSources.
        """
        read = read_isolated if isolated else read_bounded
        with self.store.writer_lock():
            return self._ingest(list(paths), rebuild, who, progress or (lambda step: None), read)

    def _ingest(
        self, paths: list[Path], rebuild: bool, who: str | None, progress: Callable[[Progress], None], read
    ) -> IngestRun:
        results: list[FileResult] = []
        sources: list[Source] = []
        folders: list[Path] = []
        for path in paths:
            if path.is_dir():
                folders.append(path.resolve())
                manifest = load_manifest(path)
                sources.extend(Source(f, document_id(f), f.resolve(), manifest) for f in source_files(path))
            elif path.is_file():
                manifest = load_manifest(path.parent) if (path.parent / MANIFEST_NAME).exists() else {}
                sources.append(Source(path, document_id(path), path.resolve(), manifest))
            else:
                results.append(FileResult(str(path), path.stem, "failed", error="filen eller mappen finns inte"))
        rewritten = self._mask_at_rest(read, results) if folders or rebuild else 0
        sources = self._without_overtaken(sources, results)
        current = self.store.generation()
        if current and generation_encoder(self.settings.shared_dir, current) not in (None, self.encoder_name):
            rebuild = True  # another encoder made the current vectors: every passage is embedded again
        if rebuild:
            sources.extend(self._stored_sources(already={s.doc_id for s in sources}))
        run = self._read_and_index(sources, results, folders, who, progress, read, force=rebuild, retokenize=rebuild)
        run.rewritten = rewritten
        return run

    def _read_and_index(
        self,
        sources: list[Source],
        results: list[FileResult],
        folders: list[Path],
        who: str | None,
        progress: Callable[[Progress], None],
        read,
        *,
        force: bool,
        retokenize: bool,
        keep_previous: bool = True,
    ) -> IngestRun:
        """Read the changed sources (all of them with `force`), keep their masked copies, embed what is new and
        commit a generation built from them; `retokenize` tokenises every passage again, and without
        `keep_previous` the generation before goes at once (it holds what was just masked)."""
        current = self.store.generation()
        parsed: list[tuple[ParsedDocument, FileResult, Kept]] = []
        for number, source in enumerate(sources, 1):
            progress(Progress(READING, number, len(sources), source.origin.name))
            result = FileResult(str(source.origin), source.doc_id, "failed")
            results.append(result)
            try:
                content = source.path.read_bytes()
                content_hash = original_hash(source.path, content)
            except OSError as exc:
                result.error = f"kan inte läsas: {exc.strerror}"
                continue
            except IngestError as exc:
                result.error = str(exc)
                continue
            existing = self.store.document(source.doc_id)
            if existing and existing.retired_by:  # an editor's decision; only an editor undoes it
                result.outcome, result.version = "skipped", existing.current_version
                result.note = (
                    f"borttaget ur sökningen av {existing.retired_by}; läses inte in förrän en redaktör tar "
                    f"tillbaka det"
                )
                continue
            if existing and not force and not existing.retired and existing.content_hash == content_hash:
                result.outcome, result.version, result.report = "unchanged", existing.current_version, existing.report
                continue
            try:
                document = read(source.path, source.manifest, source.doc_id, self._limits(source.doc_id))
            except IngestError as exc:
                result.error = str(exc)
                continue
            document.source_path = str(source.origin)
            result.outcome = "revised" if existing else "new"
            result.report = asdict(document.report)
            original = None if is_kept(source.path) else content
            parsed.append((document, result, self._keep(document, content_hash, original, source.path.suffix)))

        retired = self._missing_documents(folders, {s.origin for s in sources})
        for doc_id in retired:
            results.append(FileResult(self.store.document(doc_id).source_path, doc_id, "retired"))

        if not parsed and not retired and current and generation_dir(self.settings.shared_dir, current).exists():
            return IngestRun(results, current, 0)

        prepared = [(doc, res, kept, *self._prepare_passages(doc)) for doc, res, kept in parsed]
        embedded = self._embed_missing(prepared, progress)

        progress(Progress(BUILDING, 0, 1, None))
        with self._next_generation(reread=retokenize, keep_previous=keep_previous) as generation:
            for document, result, kept, passages, _ in prepared:
                result.version = self.store.write_version(
                    document, passages, who, source_file=str(kept.path), content_hash=kept.content_hash
                )
            for doc_id in retired:
                self.store.retire(doc_id)
        return IngestRun(results, generation, embedded)

    def reread(self, doc_id: str, who: str | None, progress: Callable[[Progress], None] | None = None) -> IngestRun:
        """Read a document again from what is kept of it, after an editor marked a name in it: the name leaves
        its passages, the index (the generation before goes at once) and its kept copy, and is masked in
        what is kept of its earlier versions. Raises KeyError, MissingSources, WriterBusy."""
        with self.store.writer_lock():
            if self.store.document(doc_id) is None:
                raise KeyError(doc_id)
            results: list[FileResult] = []
            run = self._read_and_index(
                self._stored_sources(only={doc_id}),
                results,
                [],
                who,
                progress or (lambda step: None),
                read_bounded,
                force=True,
                retokenize=False,
                keep_previous=False,
            )
            marked = self.store.marked_names(doc_id)
            if marked is not None and not run.failed:
                self._mask_older_copies(doc_id, marked)
                self.store.mask_history(doc_id, lambda text: mask_marked(text, marked))
        return run

    def retire(self, doc_id: str, who: str) -> int:
        """An editor takes a document out of search until an editor brings it back; history kept.

        Returns the new generation. Raises KeyError, WriterBusy.
        """
        with self.store.writer_lock():
            if self.store.document(doc_id) is None:
                raise KeyError(doc_id)
            with self._next_generation() as generation:
                self.store.retire(doc_id, by=who)
        return generation

    def reinstate(self, doc_id: str) -> int:
        """Bring a retired document's current version back into search; returns the new generation."""
        with self.store.writer_lock():
            if self.store.document(doc_id) is None:
                raise KeyError(doc_id)
            with self._next_generation() as generation:
                self.store.reinstate(doc_id)
        return generation

    @contextmanager
    def _next_generation(self, reread: bool = False, keep_previous: bool = True):
        """Changes made inside become searchable together with indexes built from them, in one commit.

        `reread` tokenises every passage again instead of taking unchanged ones from the last generation.
        The generation before is kept for servers still switching, unless `keep_previous` is False."""
        current = self.store.generation()
        generation = current + 1
        with self.store.transaction():
            yield generation
            self.store.set_generation(generation, self._build_generation(generation, None if reread else current))
        self._drop_old_generations(keep={generation, current} if keep_previous else {generation})

    # -- steps -------------------------------------------------------------

    def _without_overtaken(self, sources: list[Source], results: list[FileResult]) -> list[Source]:
        """Leave out a file that is an older version of its document than the one in search.

        An editor who uploads version 2 of a document read from the corpus folder has decided;
        the folder's file, still version 1, must not come back as version 3 at the next reindex.
        The file is reported unchanged with the reason; a --rebuild re-reads the kept current version.
        """
        kept = []
        for source in sources:
            existing = self.store.document(source.doc_id)
            versions = self.store.versions(source.doc_id) if existing else []
            try:
                content_hash = original_hash(source.path, source.path.read_bytes()) if versions else ""
            except (OSError, IngestError):
                content_hash = ""  # reported when it is read
            older = [v for v in versions[1:] if v.content_hash == content_hash]
            if not older or existing.content_hash == content_hash:
                kept.append(source)
                continue
            results.append(
                FileResult(
                    str(source.origin),
                    source.doc_id,
                    "unchanged",
                    version=existing.current_version,
                    report=existing.report,
                    note=f"filen är version {older[0].number}; version {versions[0].number} lades in av "
                    f"{versions[0].ingested_by or 'en redaktör'} och gäller",
                )
            )
        return kept

    def _stored_sources(self, already: set[str] = frozenset(), only: set[str] | None = None) -> list[Source]:
        """For --rebuild: what is kept of every current document not named on the command line (or of `only`
        these): its original where KB_KEEP_ORIGINALS kept it, else its masked copy.

        Raises MissingSources, before anything is read, when a kept copy is gone:
        rebuilding without it would quietly leave that document as it was.
        """
        out, missing = [], []
        for doc in self.store.documents():
            if doc.doc_id in already or (only is not None and doc.doc_id not in only):
                continue
            version = self.store.versions(doc.doc_id)[0]
            original = (
                original_file(self.settings.shared_dir, version.content_hash) if self.settings.keep_originals else None
            )
            stored = original or Path(version.source_file or "")
            if not stored.is_file():
                missing.append(f"{doc.doc_id} ({stored})")
                continue
            origin = Path(doc.source_path)
            manifest_path = origin.parent / MANIFEST_NAME
            manifest = load_manifest(origin.parent) if manifest_path.exists() else {}
            out.append(Source(stored, doc.doc_id, origin, manifest))
        if missing:
            raise MissingSources(
                f"Omindexeringen avbröts; inget ändrades. Den sparade källfilen saknas för {len(missing)} dokument: "
                + ", ".join(missing)
                + f". Återställ {self.settings.shared_dir / SOURCES} från säkerhetskopian (kb restore)."
            )
        return out

    def _limits(self, doc_id: str) -> Limits:
        """The reading limits, with the names editors marked in this document for its redaction."""
        marked = self.store.marked_names(doc_id)
        if marked is None:
            return self.limits
        return dataclasses.replace(self.limits, redaction=dataclasses.replace(self.limits.redaction, marked=marked))

    def _keep(self, document: ParsedDocument, content_hash: str, original: bytes | None, suffix: str) -> Kept:
        """A version is kept as its masked copy, so --rebuild needs no corpus folder and no personal data is
        at rest; its bytes as they came only when KB_KEEP_ORIGINALS asks, in a folder of their own."""
        target = kept_file(self.settings.shared_dir, content_hash)
        write_file(target, dump_kept(document.kept, content_hash))
        if self.settings.keep_originals and original is not None:
            keep_original(self.settings.shared_dir, original, content_hash, suffix)
        return Kept(target, content_hash)

    def _mask_at_rest(self, read, results: list[FileResult]) -> int:
        """An older data dir kept every file as it came, in sources/, uploads/ and a draft's copy: each is
        read once more, replaced by its masked copy and let go (into originals/ when KB_KEEP_ORIGINALS asks);
        without that setting, originals kept before are deleted. Returns how many files were replaced.
        A file that cannot be read again stays where it is and is reported."""
        shared = self.settings.shared_dir
        rewritten = 0
        kept_as_they_came: dict[Path, list] = {}
        for version in self.store.unmasked_versions():
            kept_as_they_came.setdefault(Path(version.source_file), []).append(version)
        unreadable: set[Path] = set()
        for path, versions in kept_as_they_came.items():
            if not path.is_file():
                continue  # --rebuild says so, for a current version
            try:
                document = read(path, {}, versions[0].doc_id, self._limits(versions[0].doc_id))
            except IngestError as exc:
                unreadable.add(path)
                results.append(
                    FileResult(
                        str(path), versions[0].doc_id, "failed", error=f"den sparade filen kunde inte maskas: {exc}"
                    )
                )
                continue
            kept = self._keep(document, versions[0].content_hash, None, "")
            for version in versions:
                self.store.set_source_file(version.doc_id, version.number, str(kept.path))
            let_go(self.settings, path, versions[0].content_hash)
            rewritten += 1
        for path in sorted(
            p for p in (shared / UPLOADS).rglob("*") if p.is_file() and p.name != MANIFEST_NAME and not is_kept(p)
        ):
            content = path.read_bytes()
            content_hash = original_hash(path, content)
            masked = kept_file(shared, content_hash)
            try:
                data = (
                    masked.read_bytes()
                    if masked.is_file()
                    else dump_kept(
                        read(path, {}, document_id(path), self._limits(document_id(path))).kept, content_hash
                    )
                )
            except IngestError as exc:
                results.append(
                    FileResult(
                        str(path), document_id(path), "failed", error=f"den uppladdade filen kunde inte maskas: {exc}"
                    )
                )
                continue
            copy = path.with_name(document_id(path) + KEPT_SUFFIX)
            write_file(copy, data)
            self.store.move_source(str(path), str(copy))
            let_go(self.settings, path, content_hash)
            rewritten += 1
        for path in sorted(
            p for p in (shared / SOURCES).rglob("*") if p.is_file() and not is_kept(p) and p not in unreadable
        ):
            if path.suffix == ".tmp":  # a copy a crash left half-written
                path.unlink()
            else:  # an original named by nothing any more
                let_go(self.settings, path, original_hash(path, path.read_bytes()))
        for path in sorted(p for p in (shared / DRAFTS).glob(f"*/{SOURCES}/**/*") if p.is_file() and not is_kept(p)):
            path.unlink()  # a draft's copy keeps only what it was read from; the upload is dealt with above
        if not self.settings.keep_originals:
            shutil.rmtree(shared / ORIGINALS, ignore_errors=True)
        return rewritten

    def _mask_older_copies(self, doc_id: str, marked: MarkedNames) -> None:
        """The masked copies of a document's earlier versions, with the names an editor marked in it masked too."""
        for version in self.store.versions(doc_id)[1:]:
            path = Path(version.source_file or "")
            if not is_kept(path) or not path.is_file():
                continue
            raw, content_hash = load_kept(path.read_bytes())
            masked = dataclasses.replace(raw, lines=[mask_marked(line, marked) for line in raw.lines])
            if masked != raw:
                write_file(path, dump_kept(masked, content_hash))

    def _missing_documents(self, folders: list[Path], seen: set[Path]) -> list[str]:
        """Documents once ingested from one of these folders whose file is gone."""
        gone = []
        for doc in self.store.documents():
            source = Path(doc.source_path)
            if any(folder in source.parents for folder in folders) and source not in seen and not source.exists():
                gone.append(doc.doc_id)
        return gone

    def _prepare_passages(self, document: ParsedDocument) -> tuple[list[NewPassage], dict[str, str]]:
        """The document's chunks with their ids and window keys, and the text of each window by key."""
        seen: dict[str, int] = {}
        passages, windows = [], {}
        for chunk in document.chunks:
            key = chunk_id(document.doc_id, chunk.section_path, chunk.text, 0)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            texts = embedding_windows(
                chunk.section_path, chunk.text, self.params.window_words, self.params.window_stride
            )
            keys = [self.embedder.content_key(text) for text in texts]
            windows.update(zip(keys, texts))
            statements = statement_texts(chunk.section_path, chunk.text, chunk.responsibility)
            windows.update((self.embedder.content_key(text), text) for text in statements)
            own_id = key if occurrence == 0 else chunk_id(document.doc_id, chunk.section_path, chunk.text, occurrence)
            passages.append(NewPassage(own_id, chunk, keys))
        return passages, windows

    def _embed_missing(self, prepared, progress: Callable[[Progress], None]) -> int:
        windows = {key: text for *_, document_windows in prepared for key, text in document_windows.items()}
        cached = self.store.cached_vectors(list(windows), self.embedder.dimension)
        todo = {key: text for key, text in windows.items() if key not in cached}
        keys = list(todo)
        for start in range(0, len(keys), EMBED_BATCH):  # in batches, so a long run says how far it has come
            progress(Progress(EMBEDDING, start, len(keys), None))
            batch = keys[start : start + EMBED_BATCH]
            self.store.put_vectors(batch, self.embedder.embed_passages([todo[k] for k in batch], progress=False))
        if keys:
            progress(Progress(EMBEDDING, len(keys), len(keys), None))
        for _, result, _, passages, _ in prepared:
            result.embedded = sum(1 for p in passages if any(k in todo for k in p.embed_keys))
        return sum(result.embedded for _, result, *_ in prepared)

    def _build_generation(self, generation: int, previous: int | None) -> str:
        """Build indexes for the active chunks as seen inside the open transaction; passages whose
        text the `previous` generation had are not tokenised again. Returns the indexes' checksum."""
        rows = self.store.active_chunks()
        target = generation_dir(self.settings.shared_dir, generation)
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        tmp.mkdir(parents=True)
        dimension = self.embedder.dimension
        windows = [(r["id"], key) for r in rows for key in json.loads(r["embed_keys"])]
        vectors = self.store.cached_vectors([key for _, key in windows], dimension)
        matrix = np.stack([vectors[key] for _, key in windows]) if windows else np.zeros((0, dimension), "float32")
        ids = np.array([rowid for rowid, _ in windows])
        VectorIndex.build(ids, matrix, dimension, self.index_params).save(tmp / "vectors.faiss")
        self._statement_vectors(rows, dimension).save(tmp)
        LexicalIndex.build(
            [str(r["id"]) for r in rows],
            (lexical_text(json.loads(r["section_path"]), r["text"]) for r in rows),
            self.params,
            previous=PassageWords.load(generation_dir(self.settings.shared_dir, previous) / "lexical")
            if previous
            else None,
            index_params=self.index_params,
        ).save(tmp / "lexical")
        (tmp / "params.json").write_text(generation_params(self.params, self.index_params))
        (tmp / "info.json").write_text(
            json.dumps({"generation": generation, "chunks": len(rows), "model": self.encoder_name})
        )
        os.replace(tmp, target)
        return digest(target)

    def _statement_vectors(self, rows: list[dict], dimension: int) -> StatementVectors:
        """The statements' vectors, from the cache they were embedded into at ingest (a statement
        whose vector is not there, as in an index built before they were, is matched by its words)."""
        texts = {
            row["id"]: statement_texts(
                json.loads(row["section_path"]),
                row["text"],
                [Responsibility(**r) for r in json.loads(row["responsibility"])],
            )
            for row in rows
        }
        keys = {text: self.embedder.content_key(text) for statements in texts.values() for text in statements}
        cached = self.store.cached_vectors(list(set(keys.values())), dimension)
        empty = np.zeros(dimension, dtype="float32")
        return StatementVectors.build(
            [
                (rowid, np.array([cached.get(keys[t], empty) for t in statements]))
                for rowid, statements in texts.items()
            ],
            dimension,
        )

    def _drop_old_generations(self, keep: set[int]) -> None:
        root = self.settings.shared_dir / "generations"
        for child in root.iterdir():
            name = child.name.removesuffix(".tmp")
            if name.isdigit() and (int(name) not in keep or child.name.endswith(".tmp")):
                shutil.rmtree(child, ignore_errors=True)
