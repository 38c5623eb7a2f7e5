"""Writable copies of the real index for the page, course and browser tests.

The session index (tests/conftest.py) is copied rather than rebuilt, so nothing is
embedded twice; a hostile text document and a small PDF are added on top, so escaping
and page numbers are tested on documents that went through the real pipeline.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF

from index.building.indexer import Indexer
from index.config import Settings
from tests.conftest import CORPUS

PASSWORD = "ett-långt-lösenord"
NORRBOTTEN = "norrbotten-handlingsplan-2021"
# A sentence of the Norrbotten plan that the revision tests change.
OLD_WORDS = "länets barnmedicinska verksamheter"
NEW_WORDS = "den regionala ungdomsmottagningen i Kiruna"
HOSTILE = "hostile-testdokument"
PDF_DOC = "pdf-testdokument"

HOSTILE_TEXT = """Ansvar för <script>alert('rubrik')</script> avgiftning

Kommunen ansvarar för <script>alert(1)</script> boendestöd enligt [avtalet](javascript:alert(2)).
<img src=x onerror=alert(3)> Regionen ansvarar för avgiftning.
"""


@dataclass
class Workspace:
    root: Path
    corpus: Path
    settings: Settings


def _pdf(path: Path) -> None:
    """Two pages, so the reader has page numbers to show."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Ansvar för sprututbyte", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Regionen ansvarar för sprututbyte och rådgivning vid sprutbytesmottagningen.")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Uppföljning", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Kommunen ansvarar för uppföljning av boendestöd efter avslutad behandling.")
    pdf.output(str(path))


def _copy_data_dir(source: Path, target: Path) -> None:
    """Everything but the database by file copy; the database through SQLite's backup, safe under WAL."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("kb.sqlite*", "ingest.lock"))
    src, dst = sqlite3.connect(source / "kb.sqlite"), sqlite3.connect(target / "kb.sqlite")
    src.backup(dst)
    dst.close()
    src.close()


def clone(base: Workspace, root: Path) -> Workspace:
    shutil.copytree(base.corpus, root / "corpus")
    _copy_data_dir(base.settings.data_dir, root / "data")
    return Workspace(root, root / "corpus", Settings.from_env(data_dir=root / "data", corpus_dir=root / "corpus"))


@pytest.fixture(scope="session")
def ui_base(tmp_path_factory, settings, searcher, embedder) -> Workspace:
    root = tmp_path_factory.mktemp("ui-base")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / f"{HOSTILE}.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    _pdf(corpus / f"{PDF_DOC}.pdf")
    _copy_data_dir(settings.data_dir, root / "data")
    workspace = Workspace(root, corpus, Settings.from_env(data_dir=root / "data", corpus_dir=corpus))
    run = Indexer(workspace.settings, embedder).ingest([corpus])
    assert not run.failed, run.failed
    return workspace


def revise_norrbotten(workspace: Workspace, embedder) -> None:
    """A new version of the Norrbotten plan in which one sentence changed."""
    source = workspace.corpus / f"{NORRBOTTEN}.md"
    text = source.read_text(encoding="utf-8")
    assert OLD_WORDS in " ".join(text.split())
    source.write_text(re.sub(r"länets\s+barnmedicinska\s+verksamheter", NEW_WORDS, text, count=1), encoding="utf-8")
    run = Indexer(workspace.settings, embedder).ingest([workspace.corpus])
    assert not run.failed, run.failed


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"name": name, "password": password, "next": "/courses", "csrf": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
