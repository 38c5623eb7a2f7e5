"""Every number that steers ranking and answering, and every number that decides how text is analysed and
indexed, in one place, with what it does.

A generation is built with a `RankingParams` and saves it (`params.json` in the generation's
folder), so what produced a ranking can always be told; the searcher reads it back. The defaults
are those `kb tune` chose on held-out folds of all development question sets and wrote to
`index/data/ranking.toml` (docs/evaluation.md, "Ranking parameters"); a field marked `rebuild` only takes
effect when the indexes are built again (`kb ingest --rebuild`).

`IndexParams` are the numbers of text analysis and of the indexes themselves (compound splitting,
typo correction, mined abbreviations, the dense index's layout): a generation is built with them,
saves them in the same `params.json` under "index", and is searched with what it saved, since a
question must be analysed as the passages were. Their defaults are in `index/data/indexing.toml`
(docs/evaluation.md, "Index parameters"); a change takes effect with `kb ingest --rebuild`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

DEFAULTS_FILE = Path(__file__).parent / "data" / "ranking.toml"
INDEX_DEFAULTS_FILE = Path(__file__).parent / "data" / "indexing.toml"
INDEX_KEY = "index"  # where params.json keeps the IndexParams, beside the RankingParams' fields


def knob(default, help: str, rebuild: bool = False):
    return field(default=default, metadata={"help": help, "rebuild": rebuild})


@dataclass(frozen=True)
class RankingParams:
    # -- retrieval ------------------------------------------------------------------------------
    candidates: int = knob(100, "Passages each retriever hands to fusion and reranking.")
    lexical_weight: float = knob(1.0, "Weight of the lexical (BM25) score, scaled to the best lexical passage.")
    dense_weight: float = knob(
        1.0, "Weight of the dense score, its cosines spread from the last candidate's (0) to the best's (1)."
    )
    dense_damping: float = knob(
        0.0, "How much of the dense weight goes as the best lexical passage covers the question (0: none)."
    )
    dense_alone: float = knob(0.5, "Cosine a passage needs to enter the results without any lexical match.")
    bm25_k1: float = knob(1.2, "BM25 term-frequency saturation.", rebuild=True)
    bm25_b: float = knob(0.75, "BM25 length normalisation.", rebuild=True)
    window_words: int = knob(60, "Words per dense window; a passage is found by its best window.", rebuild=True)
    window_stride: int = knob(40, "Words between the starts of two dense windows.", rebuild=True)
    # -- query expansion ------------------------------------------------------------------------
    part_weight: float = knob(0.5, "Weight of a compound's parts against the compound the user typed.")
    derived_weight: float = knob(0.7, "Weight of another word class of the same word (anmäla → anmälan).")
    correction_weight: float = knob(0.8, "Weight of the corpus word a typo is corrected to.")
    synonym_weight: float = knob(0.6, "Weight of a thesaurus synonym.")
    mined_weight: float = knob(0.5, "Weight of an abbreviation's expansion mined from the corpus.")
    # -- reranking ------------------------------------------------------------------------------
    passage_evidence: float = knob(0.25, "Added for the share of the question the whole passage covers.")
    sentence_evidence: float = knob(0.25, "Added for the share of the question its best sentence covers.")
    heading_evidence: float = knob(0.5, "Added for the share of the question its own heading covers.")
    record_boost: float = knob(0.5, "For who-questions: factor 1 + this × the share a responsibility statement covers.")
    priority_boost: float = knob(1.0, "For priority questions: factor 1 + this for a passage with a priority level.")
    rare_share: float = knob(0.01, "A term in at most this share of passages counts as fully informative.")
    off_topic_factor: float = knob(0.5, "Factor for a passage of an off-topic part of a committee bundle.")
    proposal_factor: float = knob(0.9, "Factor for a proposal, a remiss or a draft.")
    expired_factor: float = knob(0.85, "Factor for a revoked document or one whose validity has run out.")
    favoured_floor: float = knob(
        0.15,
        "The county the question names, else the searcher's own, comes first where it scores this share of the best.",
    )
    near_duplicate: int = knob(90, "rapidfuzz token_set_ratio above which two passages of a document are one result.")
    # -- the "no good answer" gate -----------------------------------------------------------------
    subject_length: int = knob(6, "An unknown query word this long or longer is the question's subject.")
    generic_share: float = knob(0.02, "A term in this share of passages or more says little about a subject …")
    generic_passages: int = knob(10, "… unless it is in fewer passages than this (a small corpus).")
    meaning_in_corpus: float = knob(
        0.87,
        "… and unless some passage is this close (cosine) to the whole question: then the word is named and left out.",
    )
    # -- the answer card ------------------------------------------------------------------------
    answer_hits: int = knob(8, "Statements are read off this many of the best passages.")
    min_match: float = knob(0.5, "Share of the answerable question a statement must cover to be stated.")
    min_coverage: float = knob(0.35, "Share of the whole question a statement must cover to be stated.")
    unknown_subject_weight: float = knob(
        2.0,
        "In that share, a word of `subject_length` or more that no document uses counts as this many uncovered words.",
    )
    min_recommendation_match: float = knob(0.5, "The same for a recommendation, and for a result's priority badge.")
    fact_match: float = knob(0.75, "A question asking neither who nor how strongly gets a card only above this match.")
    vote_margin: float = knob(0.3, "Statements this close to the best vote on the principal (or level) …")
    min_share: float = knob(0.9, "… and the best one's principal must carry this share of the vote.")
    meaning_floor: float = knob(0.84, "Cosine of question and statement below which their meaning counts for nothing …")
    meaning_full: float = knob(0.92, "… and at which it counts as a statement covering the whole question.")
    meaning_margin: float = knob(
        0.01,
        "Where statements of close match disagree, the best is stated if the statement nearest in meaning says its "
        "principal and is this much closer (cosine) than any saying another; 0 never settles a vote so.",
    )
    own_weight: float = knob(0.6, "A statement's own words against its words with its heading and lead.")
    rank_weight: float = knob(0.05, "Preference for statements of better-ranked passages, per rank.")
    should_weight: float = knob(
        0.9, "For who-questions: what a statement that someone bör do counts against one that they ska or ansvarar."
    )
    may_weight: float = knob(0.7, "For who-questions: the same for one that someone kan or får do.")

    @classmethod
    def defaults(cls) -> "RankingParams":
        """The field defaults, overridden by what `kb tune` wrote to index/data/ranking.toml."""
        if not DEFAULTS_FILE.exists():
            return cls()
        return cls().with_values(tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8")))

    def with_values(self, values: dict) -> "RankingParams":
        """A copy with these values; unknown names are refused, so a typo in a file is not ignored."""
        return _with_values(self, values, "rankningsparametrar")

    @classmethod
    def from_json(cls, text: str) -> "RankingParams":
        """Saved parameters; a field added since they were saved keeps its default."""
        saved = json.loads(text)
        return cls.defaults().with_values({k: v for k, v in saved.items() if k in {f.name for f in fields(cls)}})

    def to_toml(self) -> str:
        return _to_toml(self)

    @classmethod
    def documentation(cls) -> list[tuple[str, object, str, bool]]:
        """(name, default, help, needs a rebuild) of every field, for docs/evaluation.md and `kb eval`."""
        return _documentation(cls.defaults())


@dataclass(frozen=True)
class IndexParams:
    # -- compounds ------------------------------------------------------------------------------
    min_part: int = knob(
        4,
        'Letters of the shortest compound part (shorter ones, "sam", "för", split ordinary words into '
        "nonsense) and of the shortest stem given derivations; a word is split only from twice this.",
        rebuild=True,
    )
    min_head: int = knob(
        3,
        'Letters of the shortest first part, one the corpus uses as a word: "oro" in "orosanmälan".',
        rebuild=True,
    )
    split_margin: float = knob(
        2.0,
        "A word the corpus uses more than this many times as often as the geometric mean of its would-be "
        'parts is not split (Koehn & Knight 2003): "överenskommelse".',
        rebuild=True,
    )
    # -- expansions and typos -------------------------------------------------------------------
    abbreviation_expansions: int = knob(
        3, "Expansions kept per abbreviation mined from the corpus, most frequent first.", rebuild=True
    )
    min_correctable: int = knob(
        5, "Letters of the shortest word corrected as a typo: shorter ones have too many neighbours.", rebuild=True
    )
    long_word: int = knob(
        8, "Letters from which a typo is corrected within two edits; below, within one.", rebuild=True
    )
    # -- the dense index ------------------------------------------------------------------------
    exact_limit: int = knob(
        100_000, "Vectors up to which the dense index is searched exactly; beyond, with IVF.", rebuild=True
    )
    ivf_lists: float = knob(4.0, "IVF: inverted lists per square root of the number of vectors.", rebuild=True)
    ivf_training: int = knob(64, "IVF: vectors per list its clusters are trained on.", rebuild=True)
    probes: int = knob(48, "IVF: lists searched per question (a filtered search probes them all).", rebuild=True)
    windows_per_hit: int = knob(
        4,
        "Dense windows fetched per passage wanted, since several windows of one passage can rank together.",
        rebuild=True,
    )

    @classmethod
    def defaults(cls) -> "IndexParams":
        """The values in index/data/indexing.toml, which the field defaults agree with (tests/test_params.py)."""
        return cls().with_values(tomllib.loads(INDEX_DEFAULTS_FILE.read_text(encoding="utf-8")))

    def with_values(self, values: dict) -> "IndexParams":
        """A copy with these values; unknown names are refused, so a typo in a file is not ignored."""
        return _with_values(self, values, "indexparametrar")

    @classmethod
    def from_json(cls, text: str) -> "IndexParams":
        """Those a generation's params.json saved; one saved before they were, or without one of them,
        was built with the defaults."""
        return cls.defaults().with_values(json.loads(text).get(INDEX_KEY, {}))

    @classmethod
    def documentation(cls) -> list[tuple[str, object, str, bool]]:
        """(name, default, help, needs a rebuild) of every field, for docs/evaluation.md."""
        return _documentation(cls.defaults())


def generation_params(ranking: RankingParams, index: IndexParams) -> str:
    """A generation's params.json: the ranking parameters' fields, and the index parameters under "index"."""
    return json.dumps(asdict(ranking) | {INDEX_KEY: asdict(index)}, indent=1)


def _with_values(params, values: dict, what: str):
    unknown = set(values) - {f.name for f in fields(params)}
    if unknown:
        raise ValueError(f"okända {what}: {', '.join(sorted(unknown))}")
    return replace(params, **{name: type(getattr(params, name))(value) for name, value in values.items()})


def _to_toml(params) -> str:
    return "".join(f"{f.name} = {getattr(params, f.name)!r}\n" for f in fields(params))


def _documentation(current) -> list[tuple[str, object, str, bool]]:
    return [(f.name, getattr(current, f.name), f.metadata["help"], f.metadata["rebuild"]) for f in fields(current)]
