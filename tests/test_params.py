"""The ranking and index parameters: declared once, documented, saved with the index that used them."""

import json
import re
import tomllib
from dataclasses import asdict

import numpy as np
import pytest

from index.storage import generation_dir
from index.config import PROJECT_DIR
from index.params import INDEX_DEFAULTS_FILE, IndexParams, RankingParams, generation_params
from index.retrieve.lexical import LexicalIndex
from index.retrieve.vectors import VectorIndex


def documented_section(heading: str = "Ranking parameters") -> str:
    """The table of docs/evaluation.md, where every parameter is listed with its default."""
    text = (PROJECT_DIR / "docs" / "evaluation.md").read_text(encoding="utf-8")
    return text[text.index(f"## {heading}") :].split("\n## ", 1)[0]


@pytest.mark.parametrize("name, default, help, rebuild", RankingParams.documentation())
def test_every_parameter_is_documented_with_its_default(name, default, help, rebuild):
    row = re.search(rf"^\| `{name}` \| ([^|]+) \|", documented_section(), re.M)
    assert row, f"{name} is missing from the table in docs/evaluation.md"
    assert row.group(1).strip() == str(default)
    assert help


@pytest.mark.parametrize("name, default, help, rebuild", IndexParams.documentation())
def test_every_index_parameter_is_documented_with_its_default_and_its_help(name, default, help, rebuild):
    row = re.search(rf"^\| `{name}` \| ([^|]+) \| ([^\n]+) \|$", documented_section("Index parameters"), re.M)
    assert row, f"{name} is missing from the table of index parameters in docs/evaluation.md"
    assert (row.group(1).strip(), row.group(2)) == (str(default), help)
    assert rebuild  # what was indexed changes only when it is indexed again


def test_the_index_parameters_field_defaults_are_the_values_of_indexing_toml():
    """One value per number, and the file holds every one: the dataclass and the file say the same."""
    written = tomllib.loads(INDEX_DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert written == asdict(IndexParams())
    assert IndexParams.defaults() == IndexParams()


def test_a_generation_saved_before_index_parameters_is_read_with_the_defaults():
    older = json.dumps(asdict(RankingParams()), indent=1)  # a params.json of before
    assert IndexParams.from_json(older) == IndexParams.defaults()
    assert RankingParams.from_json(older) == RankingParams.defaults()
    other = IndexParams().with_values({"min_part": 5, "probes": 16})
    saved = generation_params(RankingParams(), other)
    assert IndexParams.from_json(saved) == other and RankingParams.from_json(saved) == RankingParams()
    with pytest.raises(ValueError, match="okända indexparametrar"):
        IndexParams().with_values({"min_prat": 5})


def test_the_field_defaults_are_the_values_of_ranking_toml():
    """One value per knob: what `kb tune` wrote is also what the code says, so reading either gives the same."""
    assert RankingParams() == RankingParams.defaults()


def test_unknown_parameters_are_refused():
    with pytest.raises(ValueError, match="okända"):
        RankingParams().with_values({"dense_wieght": 0.2})


def test_a_generation_saves_the_parameters_it_was_built_with(settings, ingest_run, searcher):
    saved = generation_dir(settings.data_dir, ingest_run.generation) / "params.json"
    assert RankingParams.from_json(saved.read_text()) == searcher.params
    assert IndexParams.from_json(saved.read_text()) == IndexParams.defaults()
    written = json.loads(saved.read_text())
    assert set(written) == {name for name, *_ in RankingParams.documentation()} | {"index"}
    assert set(written["index"]) == {name for name, *_ in IndexParams.documentation()}


def test_saved_indexes_are_loaded_with_the_index_parameters_they_were_built_with(tmp_path):
    """The searcher hands the generation's saved IndexParams to both indexes (index/retrieve/search.py)."""
    other = IndexParams().with_values({"min_correctable": 6, "probes": 8, "windows_per_hit": 2})
    texts = ["Kommunen ansvarar för boendet.", "Regionen ansvarar för abstinensvården."]
    LexicalIndex.build(["1", "2"], texts, index_params=other).save(tmp_path / "lexical")
    assert LexicalIndex.load(tmp_path / "lexical", index_params=other).analyzer.params == other
    vectors = np.eye(2, 4, dtype="float32")
    VectorIndex.build(np.array([1, 2]), vectors, 4, other).save(tmp_path / "vectors.faiss")
    loaded = VectorIndex.load(tmp_path / "vectors.faiss", other)
    assert loaded.params == other and loaded.search(vectors[0], 1) == [(1, pytest.approx(1.0))]


def test_a_filtered_dense_search_finds_the_filters_best_among_200000():
    """The filter restricts the search itself: a county's best passages are found however many others
    outrank them (IVF, as at national scale), and they are the same as an exact search over the county."""
    rng = np.random.default_rng(7)
    n, dimension = 200_000, 64
    vectors = rng.standard_normal((n, dimension)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1, n + 1)
    index = VectorIndex.build(ids, vectors, dimension)
    county = ids[ids % 97 == 0]  # about 2,000 passages of one county
    query = vectors[500] + 0.1 * rng.standard_normal(dimension).astype("float32")
    found = [i for i, _ in index.search(query, 10, county)]
    assert found and all(i % 97 == 0 for i in found)
    exact = county[np.argsort(-(vectors[county - 1] @ query))[:10]]
    assert len(set(found) & set(exact.tolist())) >= 9
    unfiltered = [i for i, _ in index.search(query, 10)]
    assert not any(i % 97 == 0 for i in unfiltered)  # without the filter the county would not be in the top ten
