"""The ranking parameters: declared once, documented, saved with the index that used them."""

import json
import re

import numpy as np
import pytest

from index.storage import generation_dir
from index.config import PROJECT_DIR
from index.params import RankingParams
from index.retrieve.vectors import VectorIndex


def documented_section() -> str:
    """The table of docs/evaluation.md, where every parameter is listed with its default."""
    text = (PROJECT_DIR / "docs" / "evaluation.md").read_text(encoding="utf-8")
    return text[text.index("## Ranking parameters") :].split("\n## ", 1)[0]


@pytest.mark.parametrize("name, default, help, rebuild", RankingParams.documentation())
def test_every_parameter_is_documented_with_its_default(name, default, help, rebuild):
    row = re.search(rf"^\| `{name}` \| ([^|]+) \|", documented_section(), re.M)
    assert row, f"{name} is missing from the table in docs/evaluation.md"
    assert row.group(1).strip() == str(default)
    assert help


def test_the_field_defaults_are_the_values_of_ranking_toml():
    """One value per knob: what `kb tune` wrote is also what the code says, so reading either gives the same."""
    assert RankingParams() == RankingParams.defaults()


def test_unknown_parameters_are_refused():
    with pytest.raises(ValueError, match="okända"):
        RankingParams().with_values({"dense_wieght": 0.2})


def test_a_generation_saves_the_parameters_it_was_built_with(settings, ingest_run, searcher):
    saved = generation_dir(settings.data_dir, ingest_run.generation) / "params.json"
    assert RankingParams.from_json(saved.read_text()) == searcher.params
    assert set(json.loads(saved.read_text())) == {name for name, *_ in RankingParams.documentation()}


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
