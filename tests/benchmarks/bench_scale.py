"""National-scale benchmark of the search indexes: dense (FAISS), lexical (bm25s) and SQLite.

Not a test: nothing is asserted, figures are printed. Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_scale                 # N = 1 000 000 chunks
    .venv/bin/python -m tests.benchmarks.bench_scale --chunks 200000
    .venv/bin/python -m tests.benchmarks.bench_scale --parts dense --dense-factors 1,3
    .venv/bin/python -m tests.benchmarks.bench_scale --parts lexical --lexical-sizes 1000000

At N = 1M on 2 busy cores the default run takes roughly three quarters of an hour (IVF training
≈ 3-4 min per vector layout; the lexical index is built from scratch and then once more as the
next generation with 1 % of the passages rewritten).

Every measurement runs in its own child process so peak RSS is that step's own.
Data is synthetic and seeded:
  * dense: random unit vectors (384 dimensions, numpy float32), not model embeddings; two
    layouts: "uniform" (no structure at all; neighbours beyond the first are noise) and
    "clustered" (points scattered around random centres, closer to how real embeddings sit);
    queries are data points plus small noise;
  * lexical: ~150-word passages made of sentences sampled from corpus/ with one random
    number token each, so the vocabulary is the real one plus one unique token per passage;
  * vocabulary: typo correction and analyzer cost against 30k…3M distinct words (the sampled
    passages only repeat the corpus's few thousand words; extra words are compounds of two
    real ones);
  * SQLite: the same passages as chunk rows.
The search over the real corpus, beside its floor, is tests/benchmarks/bench_search.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT / "corpus"
DIM = 384
SEED = 20240601
WINDOWS_PER_CHUNK = 3
PASSAGE_WORDS = 150
NEXT_SHARE = 0.01  # passages rewritten between two generations in the incremental build

QUERIES = [
    "vem ansvarar för abstinensbehandling",
    "LARO ansvar",
    "får soc kräva urinprov",
    "spelberonde behandling",  # typo, as staff type it
    "vem betalar för LVM-vård",
    "samordnad individuell plan SIP när ska den upprättas",
    "vem ansvarar för tillnyktring",
    "behandling av spelberoende",
    "psykiatrisk samsjuklighet och missbruk ansvar",
    "boende för personer med missbruk",
    "ungdomar med alkoholproblem vem gör vad",
    "läkemedelsassisterad behandling vid opioidberoende",
    "provtagning narkotika kommunen eller regionen",
    "abstinensbehandlng alkohol",  # typo
    "anhöriga till personer med beroende stöd",
    "vårdnadshavare samtycke ungdomsmottagning",
    "avgiftning på sjukhus eller beroendemottagning",
    "öppenvård missbruk kommunens ansvar",
    "tvångsvård enligt LVM anmälan",
    "ekonomiskt ansvar för placering HVB",
]

# Misspelt words as staff type them, one and two edits from corpus words.
TYPOS = (
    "abstinensbehandlng",
    "spelberonde",
    "tillnyktrng",
    "urinprvo",
    "beroendemottagnnig",
    "läkemedelsasisterad",
    "socialtjänsen",
    "samsjuklighte",
    "nertrappning",
    "vårdnadshavre",
    "öppenvåd",
    "missbrk",
)

# -- helpers ---------------------------------------------------------------------------


def rss_mb() -> float:
    """Current resident set size of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def percentiles(samples: list[float]) -> dict:
    ms = np.array(samples) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)), "n": len(samples)}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- synthetic data --------------------------------------------------------------------


def corpus_sentences() -> list[str]:
    """Sentences of the real corpus texts (at least four words each)."""
    sentences: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix.lower() not in (".txt", ".md"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for part in re.split(r"(?<=[.!?])\s+|\n\s*\n", text):
            sentence = " ".join(part.split())
            if len(sentence.split()) >= 4:
                sentences.append(sentence)
    return sentences


def passages(n: int, seed: int = SEED) -> Iterator[str]:
    """n passages of about PASSAGE_WORDS words: sampled corpus sentences plus a random number token.

    Generated as a stream, a block at a time, as an index build reads them from the store."""
    sentences = corpus_sentences()
    counts = np.array([len(s.split()) for s in sentences])
    rng = np.random.default_rng(seed)
    draw = 64
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        picks = rng.integers(0, len(sentences), size=(m, draw))
        cum = np.cumsum(counts[picks], axis=1)
        take = np.minimum((cum < PASSAGE_WORDS).sum(axis=1) + 1, draw)
        numbers = rng.integers(100_000, 10_000_000, size=m)
        for row, t, number in zip(picks, take, numbers):
            yield " ".join(sentences[i] for i in row[:t]) + f" {number}"


def revised(n: int, share: float) -> Iterator[str]:
    """The same passages with `share` of them rewritten: the next generation after editors' work."""
    changed = set(np.random.default_rng(SEED + 1).choice(n, int(n * share), replace=False).tolist())
    other = passages(len(changed), seed=SEED + 2)
    for i, text in enumerate(passages(n)):
        yield next(other) if i in changed else text


def unit_vectors(n: int, layout: str, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype="float32")
    if layout == "clustered":
        centres = rng.standard_normal((max(n // 50, 1), DIM), dtype="float32")
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    for start in range(0, n, 200_000):
        m = min(200_000, n - start)
        block = rng.standard_normal((m, DIM), dtype="float32")
        if layout == "clustered":
            block *= 0.6 / np.sqrt(DIM)  # |noise| ≈ 0.6: cos to its centre ≈ 0.86
            block += centres[rng.integers(0, len(centres), size=m)]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def near_queries(vectors: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Data points plus small noise (|noise| ≈ 0.3), renormalised; and which rows they came from."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), count, replace=False)
    q = vectors[rows] + rng.standard_normal((count, DIM), dtype="float32") * (0.3 / np.sqrt(DIM))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return q.astype("float32"), rows


# -- children: one measurement each ----------------------------------------------------


def dense_build(n: int, layout: str, workdir: Path) -> dict:
    from index.params import IndexParams
    from index.retrieve.vectors import VectorIndex

    t = time.perf_counter()
    vectors = unit_vectors(n, layout)
    gen_s = time.perf_counter() - t
    ids = np.arange(n, dtype="int64") // WINDOWS_PER_CHUNK  # several windows per chunk share an id
    before = rss_mb()
    t = time.perf_counter()
    index = VectorIndex.build(ids, vectors, DIM)
    build_s = time.perf_counter() - t
    after = rss_mb()
    path = workdir / f"vectors-{layout}-{n}.faiss"
    t = time.perf_counter()
    index.save(path)
    save_s = time.perf_counter() - t
    return {
        "kind": "IVFFlat" if n > IndexParams.defaults().exact_limit else "Flat",
        "generate_s": gen_s,
        "build_s": build_s,
        "save_s": save_s,
        "index_rss_mb": after - before,
        "peak_rss_mb": peak_rss_mb(),
        "file_mb": size_mb(path),
    }


def dense_serve(n: int, layout: str, workdir: Path) -> dict:
    import faiss

    from index.retrieve.vectors import VectorIndex

    path = workdir / f"vectors-{layout}-{n}.faiss"
    base = rss_mb()
    t = time.perf_counter()
    index = VectorIndex.load(path)
    load_s = time.perf_counter() - t
    loaded_rss = rss_mb() - base

    vectors = unit_vectors(n, layout)
    queries, _ = near_queries(vectors, 200, seed=1)
    index.search(queries[0], 100)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 100)
        times.append(time.perf_counter() - t)

    # The same with FAISS on one OpenMP thread: with other processes on the cores, a two-thread
    # search of a single query can spend most of its time waiting at OpenMP barriers.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    one_thread = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 100)
        one_thread.append(time.perf_counter() - t)
    faiss.omp_set_num_threads(threads)

    # recall@10 by chunk against exact search over the same windows
    exact = faiss.IndexFlatIP(DIM)
    exact.add(vectors)
    queries, rows = near_queries(vectors, 100, seed=2)
    _, truth = exact.search(queries, 10 * WINDOWS_PER_CHUNK * 4)
    recall, self_hit = [], []
    for q, row, found_rows in zip(queries, rows, truth):
        want = list(dict.fromkeys(int(r) // WINDOWS_PER_CHUNK for r in found_rows if r >= 0))[:10]
        got = [i for i, _ in index.search(q, 10)]
        recall.append(len(set(want) & set(got)) / len(want))
        self_hit.append(bool(got) and got[0] == int(row) // WINDOWS_PER_CHUNK)
    return {
        "load_s": load_s,
        "loaded_rss_mb": loaded_rss,
        "omp_threads": threads,
        "query": percentiles(times),
        "query_1_thread": percentiles(one_thread),
        "recall_at_10": float(np.mean(recall)),
        "self_hit_at_1": float(np.mean(self_hit)),
    }


def _instrument_lexical(timings: dict) -> None:
    """Wrap the build's steps with timers (in this child process only; product code is untouched)."""
    import index.retrieve.lexical as lexical
    from index.text.passage_words import PassageWords
    from index.text.typos import TypoIndex
    from index.text.vocabulary import Vocabulary

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - t

        return wrapper

    PassageWords.count = classmethod(timed("count_words", PassageWords.count.__func__))
    Vocabulary.from_words = classmethod(timed("vocabulary", Vocabulary.from_words.__func__))
    lexical.bm25_from_words = timed("bm25_weights", lexical.bm25_from_words)
    TypoIndex.build = classmethod(timed("typo_index", TypoIndex.build.__func__))


def lexical_build(n: int, workdir: Path, share: float = 0.0) -> dict:
    """Build from scratch or, with `share`, the next generation with that share of passages rewritten."""
    from index.retrieve.lexical import LexicalIndex
    from index.text.passage_words import PassageWords

    ids = [str(i) for i in range(n)]
    timings: dict = defaultdict(float)
    _instrument_lexical(timings)
    target = workdir / (f"lexical-{n}-next" if share else f"lexical-{n}")
    before = rss_mb()
    t = time.perf_counter()
    if share:  # the last generation's words are read as part of the build, and let go inside it
        index = LexicalIndex.build(ids, revised(n, share), previous=PassageWords.load(workdir / f"lexical-{n}"))
    else:
        index = LexicalIndex.build(ids, passages(n))
    build_s = time.perf_counter() - t
    after = rss_mb()
    steps = dict(timings)
    steps["other"] = build_s - sum(steps.values())
    analyzer = index.vocabulary.analyzer
    shutil.rmtree(target, ignore_errors=True)
    t = time.perf_counter()
    index.save(target)
    save_s = time.perf_counter() - t
    return {
        "build_s": build_s,
        "steps_s": steps,
        "save_s": save_s,
        "index_rss_mb": after - before,
        "peak_rss_mb": peak_rss_mb(),
        "dir_mb": size_mb(target),
        "files_mb": {p.name: round(size_mb(p), 1) for p in sorted(target.iterdir())},
        "words": len(analyzer.word_counts),
        "modifiers": len(analyzer.modifiers),
        "bm25_vocab": len(index.retriever.vocab_dict),
        "abbreviations": len(index.vocabulary.abbreviations),
    }


def lexical_serve(n: int, workdir: Path) -> dict:
    from index.retrieve.lexical import LexicalIndex

    base = rss_mb()
    t = time.perf_counter()
    index = LexicalIndex.load(workdir / f"lexical-{n}")
    load_s = time.perf_counter() - t
    loaded_rss = rss_mb() - base
    t = time.perf_counter()
    index.search(QUERIES[0], 100)
    first_s = time.perf_counter() - t
    times, expand_times, per_query = [], [], {}
    for _ in range(3):
        for query in QUERIES:
            t = time.perf_counter()
            index.vocabulary.expand(query)
            e = time.perf_counter() - t
            t = time.perf_counter()
            hits = index.search(query, 100)
            s = time.perf_counter() - t
            times.append(s)
            expand_times.append(e)
            per_query[query] = (round(s * 1000, 1), round(e * 1000, 1), len(hits))
    return {
        "load_s": load_s,
        "loaded_rss_mb": loaded_rss,
        "after_queries_rss_mb": rss_mb() - base,
        "first_query_s": first_s,
        "query": percentiles(times),
        "expand": percentiles(expand_times),
        "per_query_ms_expand_ms_hits": per_query,
    }


def sqlite_run(n: int, workdir: Path) -> dict:
    from index.config import Settings
    from index.storage import Store

    settings = Settings.from_env(data_dir=workdir / f"store-{n}")
    path = settings.db_path
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t = time.perf_counter()
    texts = list(passages(n))
    gen_s = time.perf_counter() - t
    store = Store(settings)

    def rows(texts):
        for i, text in enumerate(texts):
            h = hashlib.sha1(str(i).encode()).hexdigest()
            yield (
                h[:16],
                f"doc-{i // 200}",
                i % 200,
                json.dumps(
                    ["Överenskommelse", f"{i % 9 + 1}. Ansvarsfördelning", f"{i % 9 + 1}.{i % 7 + 1} Insatser"],
                    ensure_ascii=False,
                ),
                text,
                "paragraph",
                i % 40 + 1,
                i % 900,
                i % 900 + 12,
                0,
                len(text),
                1,
                0,
                "[]",
                None,
                "[]",
                "[]",
                json.dumps([h[16:32], h[24:40], h[:8] + h[32:40]]),
                1,
                1,
            )

    t = time.perf_counter()
    with store.transaction():
        store.db.many(
            """INSERT INTO chunks (chunk_id, doc_id, ord, section_path, text, kind, page, line_start, line_end,
                   char_start, char_end, on_topic, proposal, footnotes, table_data, responsibility, priority,
                   embed_keys, first_version, last_version, active)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
            rows(texts),
        )
    insert_s = time.perf_counter() - t
    t = time.perf_counter()
    store.db.run("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint_s = time.perf_counter() - t
    avg_text = float(np.mean([len(x) for x in texts[:10_000]]))
    del texts
    store.db.close()
    store = Store(settings)  # fresh connection (the OS page cache stays warm)
    rng = np.random.default_rng(3)
    single, batch = [], []
    for rowid in rng.integers(1, n + 1, size=100):
        t = time.perf_counter()
        store.passages_by_rowid([int(rowid)])
        single.append(time.perf_counter() - t)
    for _ in range(20):
        wanted = [int(x) for x in rng.integers(1, n + 1, size=100)]
        t = time.perf_counter()
        found = store.passages_by_rowid(wanted)
        batch.append(time.perf_counter() - t)
    t = time.perf_counter()
    active = store.active_chunks()
    active_s = time.perf_counter() - t
    return {
        "generate_s": gen_s,
        "insert_s": insert_s,
        "checkpoint_s": checkpoint_s,
        "avg_text_chars": avg_text,
        "file_mb": size_mb(path),
        "by_rowid_1": percentiles(single),
        "by_rowid_100": percentiles(batch),
        "found_in_batch": len(found),
        "active_chunks_s": active_s,
        "active_chunks_rows": len(active),
        "peak_rss_mb": peak_rss_mb(),
    }


def vocabulary_scaling(n: int, workdir: Path) -> dict:
    """Typo correction and analyzer cost against a vocabulary of n distinct words.

    Sampled passages repeat the corpus's ~30k words; a national corpus has far more distinct
    words (place and unit names, new compounds). The extra words here are compounds of two
    real corpus words, the kind a bigger corpus adds.
    """
    from index.text.analyzer import Analyzer
    from index.text.typos import TypoIndex
    from index.params import IndexParams
    from index.text.vocabulary import Vocabulary, typo_ends

    probe = Analyzer({})
    counts: dict[str, int] = {}
    for sentence in corpus_sentences():
        for word in set(probe.words(sentence)):
            counts[word] = counts.get(word, 0) + 1
    real = len(counts)
    parts = [w for w in counts if len(w) >= 4 and w.isalpha()]
    rng = np.random.default_rng(4)
    while len(counts) < n:
        a, b = rng.integers(0, len(parts), size=(2, 200_000))
        for i, j in zip(a, b):
            counts.setdefault(parts[i] + parts[j], 1)
            if len(counts) >= n:
                break
    t = time.perf_counter()
    analyzer = Analyzer(counts)  # as at build: learns modifiers and stems every word
    build_analyzer_s = time.perf_counter() - t
    t = time.perf_counter()
    analyzer = Analyzer(counts, analyzer.modifiers)  # as at load
    load_analyzer_s = time.perf_counter() - t
    t = time.perf_counter()
    typos = TypoIndex.build(list(counts), typo_ends(IndexParams.defaults()))
    typo_build_s = time.perf_counter() - t
    typos.save(workdir)
    t = time.perf_counter()
    typos = TypoIndex.load(workdir, list(counts))
    typo_load_s = time.perf_counter() - t
    vocabulary = Vocabulary(analyzer, {}, typos=typos)
    corrections, times = {}, []
    for word in TYPOS:
        t = time.perf_counter()
        fixed = vocabulary.correct(word)
        times.append(time.perf_counter() - t)
        corrections[word] = (round(times[-1] * 1000, 2), fixed)
    expand_times = []
    for query in QUERIES:
        t = time.perf_counter()
        vocabulary.expand(query)
        expand_times.append(time.perf_counter() - t)
    return {
        "words": len(counts),
        "real_words": real,
        "analyzer_build_s": build_analyzer_s,
        "analyzer_load_s": load_analyzer_s,
        "typo_index_build_s": typo_build_s,
        "typo_index_load_s": typo_load_s,
        "correct_ms": corrections,
        "correct": percentiles(times),
        "expand": percentiles(expand_times),
        "peak_rss_mb": peak_rss_mb(),
    }


CHILDREN = {
    "vocabulary": lambda a, w: vocabulary_scaling(a.size, w),
    "dense_build": lambda a, w: dense_build(a.size, a.layout, w),
    "dense_serve": lambda a, w: dense_serve(a.size, a.layout, w),
    "lexical_build": lambda a, w: lexical_build(a.size, w),
    "lexical_next": lambda a, w: lexical_build(a.size, w, share=NEXT_SHARE),
    "lexical_serve": lambda a, w: lexical_serve(a.size, w),
    "sqlite": lambda a, w: sqlite_run(a.size, w),
}


# -- parent ----------------------------------------------------------------------------


def run_child(step: str, size: int, workdir: Path, layout: str = "", timeout: float | None = None) -> dict | None:
    cmd = [
        sys.executable,
        "-m",
        "tests.benchmarks.bench_scale",
        "--child",
        step,
        "--size",
        str(size),
        "--workdir",
        str(workdir),
        "--layout",
        layout,
    ]
    log(f"{step} {layout} n={size:,} (load {os.getloadavg()[0]:.2f})")
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=PROJECT, stdout=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"{step} n={size:,} gave up after {timeout:.0f} s")
        return None
    if done.returncode != 0:
        log(f"{step} n={size:,} failed with exit code {done.returncode}")
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    result["load_avg_after"] = os.getloadavg()[0]
    log(f"{step} {layout} n={size:,}: {json.dumps(result, ensure_ascii=False)}")
    return result


def dense_rows(args, n: int, workdir: Path) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    for factor in [int(f) for f in args.dense_factors.split(",")]:
        for layout in args.dense_layouts.split(","):
            size = n * factor
            built = run_child("dense_build", size, workdir, layout)
            served = run_child("dense_serve", size, workdir, layout) if built else None
            label = f"dense {layout} {size:,} windows"
            if built:
                table += [
                    (label, "index type", built["kind"]),
                    (label, "build (train+add)", f"{built['build_s']:.1f} s"),
                    (label, "RSS of index / peak", f"{built['index_rss_mb']:.0f} MB / {built['peak_rss_mb']:.0f} MB"),
                    (label, "file size", f"{built['file_mb']:.0f} MB"),
                ]
            if served:
                q = served["query"]
                table += [
                    (label, "load / RSS after load", f"{served['load_s']:.2f} s / {served['loaded_rss_mb']:.0f} MB"),
                    (label, "query k=100 p50 / p95", f"{q['p50_ms']:.1f} / {q['p95_ms']:.1f} ms (200 q)"),
                    (
                        label,
                        "same, FAISS on 1 OMP thread",
                        f"{served['query_1_thread']['p50_ms']:.1f} / {served['query_1_thread']['p95_ms']:.1f} ms",
                    ),
                    (label, "recall@10 vs exact (100 q)", f"{served['recall_at_10']:.3f}"),
                    (label, "own chunk ranked 1st", f"{served['self_hit_at_1']:.2f}"),
                ]
            for f in workdir.glob(f"vectors-{layout}-{size}.faiss"):
                if not args.keep:
                    f.unlink()
    return table


def lexical_rows(args, n: int, workdir: Path) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    sizes = [n] if args.lexical_sizes == "auto" else [int(s) for s in args.lexical_sizes.split(",")]
    for size in sizes:
        label = f"lexical {size:,} passages"
        built = run_child("lexical_build", size, workdir, timeout=args.lexical_timeout)
        if not built:
            table.append((label, "build", f"did not finish within {args.lexical_timeout:.0f} s"))
            continue
        served = run_child("lexical_serve", size, workdir)
        following = run_child("lexical_next", size, workdir, timeout=args.lexical_timeout)
        for name, result in (("build", built), (f"next generation, {NEXT_SHARE:.0%} rewritten", following)):
            if result:
                steps = ", ".join(f"{k} {v:.0f}" for k, v in result["steps_s"].items())
                table += [
                    (label, name, f"{result['build_s']:.0f} s ({steps}); save {result['save_s']:.0f} s"),
                    (
                        label,
                        "  RSS of index / peak",
                        f"{result['index_rss_mb']:.0f} MB / {result['peak_rss_mb']:.0f} MB",
                    ),
                ]
        table += [
            (label, "dir size", f"{built['dir_mb']:.0f} MB {built['files_mb']}"),
            (
                label,
                "words / modifiers / bm25 vocab",
                f"{built['words']:,} / {built['modifiers']:,} / {built['bm25_vocab']:,}",
            ),
        ]
        if served:
            q, e = served["query"], served["expand"]
            table += [
                (label, "load / RSS after load", f"{served['load_s']:.2f} s / {served['loaded_rss_mb']:.0f} MB"),
                (label, "first query (cold)", f"{served['first_query_s'] * 1000:.0f} ms"),
                (label, "query k=100 p50 / p95", f"{q['p50_ms']:.0f} / {q['p95_ms']:.0f} ms (20 q × 3)"),
                (label, "  of which expand() p50 / p95", f"{e['p50_ms']:.1f} / {e['p95_ms']:.1f} ms"),
            ]
        if not args.keep:
            for folder in workdir.glob(f"lexical-{size}*"):
                shutil.rmtree(folder, ignore_errors=True)
    return table


def vocabulary_rows(args, n: int, workdir: Path) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    for size in (30_000, 300_000, 1_000_000, 3_000_000):
        result = run_child("vocabulary", size, workdir)
        if result:
            label = f"vocabulary {result['words']:,} words"
            typos = ", ".join(f"{w} {ms} ms→{fix}" for w, (ms, fix) in result["correct_ms"].items())
            c = result["correct"]
            table += [
                (
                    label,
                    "Analyzer init at build / at load",
                    f"{result['analyzer_build_s']:.1f} / {result['analyzer_load_s']:.1f} s",
                ),
                (
                    label,
                    "typo index build / load",
                    f"{result['typo_index_build_s']:.1f} / {result['typo_index_load_s']:.2f} s",
                ),
                (
                    label,
                    "correct() per misspelt word p50 / p95",
                    f"{c['p50_ms']:.2f} / {c['p95_ms']:.2f} ms ({c['n']} words)",
                ),
                (label, "  each", typos),
                (
                    label,
                    "expand() p50 / p95 (20 q)",
                    f"{result['expand']['p50_ms']:.1f} / {result['expand']['p95_ms']:.1f} ms",
                ),
            ]
    return table


def sqlite_rows(args, n: int, workdir: Path) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    result = run_child("sqlite", n, workdir)
    if result:
        label = f"sqlite {n:,} chunks"
        table += [
            (
                label,
                "insert (executemany, 1 txn)",
                f"{result['insert_s']:.1f} s (+ checkpoint {result['checkpoint_s']:.1f} s)",
            ),
            (label, "file size", f"{result['file_mb']:.0f} MB (avg text {result['avg_text_chars']:.0f} chars)"),
            (
                label,
                "passages_by_rowid 1 id p50 / p95",
                f"{result['by_rowid_1']['p50_ms']:.2f} / {result['by_rowid_1']['p95_ms']:.2f} ms",
            ),
            (
                label,
                "passages_by_rowid 100 ids p50 / p95",
                f"{result['by_rowid_100']['p50_ms']:.1f} / {result['by_rowid_100']['p95_ms']:.1f} ms",
            ),
            (
                label,
                "active_chunks() (index build read)",
                f"{result['active_chunks_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB",
            ),
        ]
    if not args.keep:
        for f in workdir.glob(f"store-{n}.sqlite*"):
            f.unlink()
    return table


PARTS = {"dense": dense_rows, "lexical": lexical_rows, "vocabulary": vocabulary_rows, "sqlite": sqlite_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1_000_000, help="N, the number of chunks")
    parser.add_argument("--parts", default="dense,lexical,vocabulary,sqlite")
    parser.add_argument("--dense-factors", default="1", help="windows as multiples of N, e.g. 1,3")
    parser.add_argument("--dense-layouts", default="uniform,clustered")
    parser.add_argument("--lexical-sizes", default="auto", help="comma list of passage counts; auto = N")
    parser.add_argument(
        "--lexical-timeout", type=float, default=900, help="seconds before a lexical build is abandoned"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where indexes are written (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the written indexes")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--layout", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = CHILDREN[args.child](args, args.workdir)
        print(json.dumps(result, ensure_ascii=False))
        return

    n = args.chunks
    parts = set(args.parts.split(","))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-", dir=os.environ.get("TMPDIR")))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"Vem gör vad — scale benchmark, N = {n:,} chunks; workdir {workdir}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print("Dense vectors are seeded RANDOM unit vectors (numpy float32, 384 dims), not model embeddings.")
    print("Lexical/SQLite passages are sampled sentences of corpus/ plus one random number token each.\n")
    table: list[tuple[str, str, str]] = []

    try:
        for name, rows in PARTS.items():
            if name in parts:
                table += rows(args, n, workdir)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nSummary (load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"total {time.perf_counter() - started:.0f} s)"
    )
    width = max((len(r[0]) for r in table), default=10)
    metric = max((len(r[1]) for r in table), default=10)
    previous = None
    for label, name, value in table:
        print(f"{label if label != previous else '':<{width}}  {name:<{metric}}  {value}")
        previous = label


if __name__ == "__main__":
    main()
