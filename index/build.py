"""Turn source files into a new searchable generation, incrementally and atomically.

A run parses only files whose content changed, embeds only chunks whose text
is not in the vector cache, then builds the search indexes for the new set of
active chunks into a fresh generation folder in the shared folder. The switch
is one database commit, which records the generation's checksum: until it
happens, every server keeps the previous generation; a crash before it leaves
the previous generation in use and nothing half-written.
"""

from __future__ import annotations

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
from index.embedder import Encoder, load_encoder
from index.lexical import LexicalIndex
from index.passage_words import PassageWords
from index.params import RankingParams
from index.sandbox import Limits, read_bounded, read_isolated
from index.statement_vectors import StatementVectors, statement_texts
from index.storage import NewPassage, Store, digest, generation_dir, generation_encoder
from index.vectors import VectorIndex
from ingest.manifest import load_manifest
from ingest.model import IngestError, ParsedDocument, Responsibility
from ingest.pipeline import MANIFEST_NAME, source_files


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

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.outcome == "failed"]


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


class Indexer:
    def __init__(self, settings: Settings, embedder=None, params: RankingParams | None = None):
        self.settings = settings
        self.store = Store(settings)
        self.limits = Limits.from_settings(settings)
        self._embedder = embedder
        self.params = params or RankingParams.defaults()  # saved with every generation built

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
                sources.extend(Source(f, f.stem, f.resolve(), manifest) for f in source_files(path))
            elif path.is_file():
                manifest = load_manifest(path.parent) if (path.parent / MANIFEST_NAME).exists() else {}
                sources.append(Source(path, path.stem, path.resolve(), manifest))
            else:
                results.append(FileResult(str(path), path.stem, "failed", error="filen eller mappen finns inte"))
        sources = self._without_overtaken(sources, results)
        current = self.store.generation()
        if current and generation_encoder(self.settings.shared_dir, current) not in (None, self.encoder_name):
            rebuild = True  # another encoder made the current vectors: every passage is embedded again
        if rebuild:
            sources.extend(self._stored_sources(already={s.doc_id for s in sources}))

        parsed: list[tuple[ParsedDocument, FileResult, Path]] = []
        for number, source in enumerate(sources, 1):
            progress(Progress(READING, number, len(sources), source.origin.name))
            result = FileResult(str(source.origin), source.doc_id, "failed")
            results.append(result)
            try:
                content = source.path.read_bytes()
            except OSError as exc:
                result.error = f"kan inte läsas: {exc.strerror}"
                continue
            content_hash = hashlib.sha256(content).hexdigest()
            existing = self.store.document(source.doc_id)
            if existing and existing.retired_by:  # an editor's decision; only an editor undoes it
                result.outcome, result.version = "skipped", existing.current_version
                result.note = f"borttaget ur sökningen av {existing.retired_by}; läses inte in förrän en redaktör tar tillbaka det"
                continue
            if existing and not rebuild and not existing.retired and existing.content_hash == content_hash:
                result.outcome, result.version, result.report = "unchanged", existing.current_version, existing.report
                continue
            try:
                document = read(source.path, source.manifest, source.doc_id, self.limits)
            except IngestError as exc:
                result.error = str(exc)
                continue
            document.source_path = str(source.origin)
            result.outcome = "revised" if existing else "new"
            result.report = asdict(document.report)
            parsed.append((document, result, self._keep_source(content, content_hash, source.path.suffix)))

        retired = self._missing_documents(folders, {s.origin for s in sources})
        for doc_id in retired:
            results.append(FileResult(self.store.document(doc_id).source_path, doc_id, "retired"))

        if not parsed and not retired and current and generation_dir(self.settings.shared_dir, current).exists():
            return IngestRun(results, current, 0)

        prepared = [(doc, res, src, *self._prepare_passages(doc)) for doc, res, src in parsed]
        embedded = self._embed_missing(prepared, progress)

        progress(Progress(BUILDING, 0, 1, None))
        with self._next_generation(reread=rebuild) as generation:
            for document, result, source_file, passages, _ in prepared:
                result.version = self.store.write_version(
                    document, passages, who, source_file=str(source_file), content_hash=source_file.stem
                )
            for doc_id in retired:
                self.store.retire(doc_id)
        return IngestRun(results, generation, embedded)

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
    def _next_generation(self, reread: bool = False):
        """Changes made inside become searchable together with indexes built from them, in one commit.

        `reread` tokenises every passage again instead of taking unchanged ones from the last generation."""
        current = self.store.generation()
        generation = current + 1
        with self.store.transaction():
            yield generation
            self.store.set_generation(generation, self._build_generation(generation, None if reread else current))
        self._drop_old_generations(keep={generation, current})

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
                content_hash = hashlib.sha256(source.path.read_bytes()).hexdigest() if versions else ""
            except OSError:
                content_hash = ""  # reported when it is read
            older = [v for v in versions[1:] if v.content_hash == content_hash]
            if not older or existing.content_hash == content_hash:
                kept.append(source)
                continue
            results.append(FileResult(
                str(source.origin), source.doc_id, "unchanged", version=existing.current_version, report=existing.report,
                note=f"filen är version {older[0].number}; version {versions[0].number} lades in av "
                f"{versions[0].ingested_by or 'en redaktör'} och gäller",
            ))
        return kept

    def _stored_sources(self, already: set[str]) -> list[Source]:
        """For --rebuild: the kept copy of every current document not named on the command line.

        Raises MissingSources, before anything is read, when a kept copy is gone:
        rebuilding without it would quietly leave that document as it was.
        """
        out, missing = [], []
        for doc in self.store.documents():
            if doc.doc_id in already:
                continue
            stored = Path(self.store.versions(doc.doc_id)[0].source_file or "")
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
                + f". Återställ {self.settings.shared_dir / 'sources'} från säkerhetskopian (kb restore)."
            )
        return out

    def _keep_source(self, content: bytes, content_hash: str, suffix: str) -> Path:
        """Every ingested version's bytes are kept, so nothing is lost and --rebuild needs no corpus folder."""
        folder = self.settings.shared_dir / "sources" / content_hash[:2]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{content_hash}{suffix.lower()}"
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(content)
            os.replace(tmp, target)
        return target

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
            texts = embedding_windows(chunk.section_path, chunk.text, self.params.window_words, self.params.window_stride)
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
        VectorIndex.build(np.array([rowid for rowid, _ in windows]), matrix, dimension).save(tmp / "vectors.faiss")
        self._statement_vectors(rows, dimension).save(tmp)
        LexicalIndex.build(
            [str(r["id"]) for r in rows],
            (lexical_text(json.loads(r["section_path"]), r["text"]) for r in rows),
            self.params,
            previous=PassageWords.load(generation_dir(self.settings.shared_dir, previous) / "lexical") if previous else None,
        ).save(tmp / "lexical")
        (tmp / "params.json").write_text(self.params.to_json())
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
                json.loads(row["section_path"]), row["text"], [Responsibility(**r) for r in json.loads(row["responsibility"])]
            )
            for row in rows
        }
        keys = {text: self.embedder.content_key(text) for statements in texts.values() for text in statements}
        cached = self.store.cached_vectors(list(set(keys.values())), dimension)
        empty = np.zeros(dimension, dtype="float32")
        return StatementVectors.build(
            [(rowid, np.array([cached.get(keys[t], empty) for t in statements])) for rowid, statements in texts.items()],
            dimension,
        )

    def _drop_old_generations(self, keep: set[int]) -> None:
        root = self.settings.shared_dir / "generations"
        for child in root.iterdir():
            name = child.name.removesuffix(".tmp")
            if name.isdigit() and (int(name) not in keep or child.name.endswith(".tmp")):
                shutil.rmtree(child, ignore_errors=True)

