"""The 21 län and the names they go by, from ingest/data/regions.toml: ingest reads a document's
county with them, search a question's. Only the standard library, so the query side can import it."""

from __future__ import annotations

import dataclasses
import tomllib
from functools import lru_cache
from importlib import resources


@dataclasses.dataclass(frozen=True)
class Lan:
    name: str
    official: str
    variants: tuple[str, ...]
    file_names: tuple[str, ...]
    kommuner: tuple[str, ...]  # its municipalities, whose names also name it


@lru_cache(maxsize=1)
def regions() -> tuple[Lan, ...]:
    """The 21 län from ingest/data/regions.toml."""
    raw = tomllib.loads((resources.files("ingest") / "data" / "regions.toml").read_text(encoding="utf-8"))
    return tuple(
        Lan(
            name=e["name"],
            official=e.get("official", e["name"]),
            variants=tuple(dict.fromkeys([*e.get("variants", [])])),
            file_names=tuple(e.get("file_names", [])),
            kommuner=tuple(e.get("kommuner", [])),
        )
        for e in raw["lan"]
    )
