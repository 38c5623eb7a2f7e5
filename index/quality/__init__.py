"""Measuring and tuning what search and the card give on question sets.

`evaluate.py` asks a question set of an index and counts what a person would see: R@5 and MRR@10
of the passages, and the card right, wrong or abstained (`kb eval`). `tuning.py` is `kb tune`:
coordinate ascent over `RankingParams` on several sets, with held-out folds, writing the chosen
values to `index/data/ranking.toml`. Only tests, benchmarks and the command line import this.
"""
