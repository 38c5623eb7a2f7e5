"""How long a DOCX of ordinary sentences takes to read, by length: reading should grow with the text, no faster.

Not a test: figures are printed (tests/test_uploads.py holds the bound). Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_reading [--lines 10000 20000 40000]

Each document is a Word file of one sentence per paragraph, of two kinds: the sentences of
corpus/ in order, again and again (real text, 21 words a sentence), and short sentences built
from a seeded mix of actors, duties and objects ("Socialtjänsten ska erbjuda boendestöd till
personer med beroende vid behov."), dense in statements. The time is that of the whole reading
(`ingest_file`), in this process, without the upload's child process.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import tempfile
import time
from pathlib import Path

import docx

from index.config import PROJECT_DIR
from ingest.pipeline import ingest_file

ACTORS = (
    "Kommunen",
    "Regionen",
    "Socialtjänsten",
    "Sjuksköterskan",
    "Läkaren",
    "Primärvården",
    "Huvudmännen",
    "Den enskilde",
    "Beroendevården",
    "Enhetschefen",
)
DUTIES = (
    "ansvarar för",
    "ska erbjuda",
    "bör samordna",
    "kan ge",
    "åtar sig att ordna",
    "följer upp",
    "erbjuder",
    "ska dokumentera",
)
OBJECTS = (
    "boendestöd",
    "abstinensbehandling",
    "en samordnad individuell plan",
    "läkemedelsassisterad behandling",
    "stöd till anhöriga",
    "uppföljning efter avslutad behandling",
    "provtagning",
    "rådgivning om spel om pengar",
)
TAILS = (
    "till personer med beroende",
    "vid behov",
    "i samverkan med den andra huvudmannen",
    "inom tre veckor",
    "enligt gällande rutin",
    "för barn och unga",
    "efter bedömning",
    "",
)


def built_sentences(lines: int, seed: int = 29) -> list[str]:
    chosen = random.Random(seed)
    out = []
    for _ in range(lines):
        tail = chosen.choice(TAILS)
        words = [chosen.choice(ACTORS), chosen.choice(DUTIES), chosen.choice(OBJECTS)] + ([tail] if tail else [])
        out.append(" ".join(words) + ".")
    return out


def corpus_sentences(lines: int) -> list[str]:
    """The whole sentences of corpus/ (6–60 words, no table or heading marks), repeated to `lines`."""
    found = []
    for path in sorted((PROJECT_DIR / "corpus").glob("*.*")):
        if path.suffix in (".txt", ".md"):
            text = " ".join(path.read_text(encoding="utf-8").split())
            found += [
                s
                for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", text)
                if 6 <= len(s.split()) <= 60 and s.endswith(".") and not {"#", "|"} & set(s)
            ]
    return [found[n % len(found)] for n in range(lines)]


KINDS = {"korpusens meningar": corpus_sentences, "byggda meningar": built_sentences}


def sentences_docx(sentences: list[str]) -> bytes:
    """A Word file of one paragraph per sentence."""
    document = docx.Document()
    for sentence in sentences:
        document.add_paragraph(sentence)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seconds_to_read(sentences: list[str], folder: Path, clock=time.monotonic) -> float:
    """Seconds to read a DOCX of these lines: wall-clock by default, or by `clock` (time.thread_time
    counts the reading thread's CPU alone, so a test on a busy machine, or beside a test's leftover
    server threads in the same process, measures the reader, not the others)."""
    path = folder / f"meningar-{len(sentences)}.docx"
    path.write_bytes(sentences_docx(sentences))
    started = clock()
    ingest_file(path, {}, doc_id=path.stem)
    return clock() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for kind, make in KINDS.items():
            for lines in args.lines:
                seconds = seconds_to_read(make(lines), Path(folder))
                print(
                    f"{kind:<20} {lines:>7} rader  {seconds:6.1f} s  {1000 * seconds / lines:.2f} ms per rad",
                    flush=True,
                )


if __name__ == "__main__":
    main()
