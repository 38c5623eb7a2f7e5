"""`kb tune`: held-out folds over real question sets on the real index, and the defaults it writes."""

import index.quality.tuning as tuning
from index.config import PROJECT_DIR
from index.quality.evaluate import load_questions
from index.params import RankingParams
from index.quality.tuning import QuestionSet, Tuner, format_folds, write_defaults


def test_tuning_reports_tuned_and_held_out_figures_and_writes_what_it_chose(
    settings, embedder, ingest_run, tmp_path, monkeypatch
):
    monkeypatch.setattr(tuning, "SEARCH_SPACE", {"dense_weight": (0.0, 0.6)})
    questions = load_questions(PROJECT_DIR / "tests" / "data" / "questions.jsonl")[:8]
    lines = []
    start = RankingParams.defaults()
    chosen, folds = Tuner([QuestionSet("egna", settings.data_dir, questions)], embedder, report=lines.append).run(start)

    assert len(folds) == tuning.FOLDS
    assert sum(len([q for q in questions if tuning.fold_of(q) == f.fold]) for f in folds) == len(questions)
    for fold in folds:
        assert 0 < fold.train.mrr["egna"] <= 1 and 0 <= fold.held_out.mrr["egna"] <= 1
        assert (
            fold.train.wrong
            <= Tuner([QuestionSet("egna", settings.data_dir, questions)], embedder)
            .measure(start, lambda q, f=fold.fold: tuning.fold_of(q) != f)
            .wrong
        )  # nothing stated wrong that the start did not state wrong
    tuner = Tuner([QuestionSet("egna", settings.data_dir, questions)], embedder)
    assert tuner.fusion_holds(chosen, tuner.measure(chosen, lambda q: True), lambda q: True) or chosen == start
    assert chosen.dense_weight in (0.0, 0.6, start.dense_weight)
    assert chosen == start.with_values({"dense_weight": chosen.dense_weight})  # only what was searched moves
    assert "hållet utanför" in format_folds(folds, chosen, start)

    written = tmp_path / "ranking.toml"
    write_defaults(chosen, written)
    monkeypatch.setattr("index.params.DEFAULTS_FILE", written)
    assert RankingParams.defaults() == chosen


def test_question_sets_without_a_file_are_left_out(tmp_path):
    sets = tuning.question_sets([("saknas", "corpus", str(tmp_path / "finns-inte.jsonl"))], tmp_path, embedder=None)
    assert sets == [] and not (tmp_path / "corpus").exists()  # no index is built for a set that is not there


def test_a_level_asked_about_counts_whether_written_as_a_number_or_as_text():
    """A question file written by hand said "priority": "8"; a card showing prio 8 was scored wrong."""
    from index.quality.evaluate import _level_is

    shown = {"level": 8, "label": "KAN I UNDANTAGSFALL"}
    assert _level_is(shown, 8) and _level_is(shown, "8") and not _level_is(shown, "2")
    assert _level_is({"level": None, "label": "FoU"}, "FoU") and not _level_is(shown, "FoU")
