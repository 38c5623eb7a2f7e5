"""The documentation holds together: README.md stays an entry, and every link in it and in docs/ leads somewhere.

A relative link must name a file that exists, and a `#fragment` a heading of that file, as GitHub makes its anchors.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.config import PROJECT_DIR

README = PROJECT_DIR / "README.md"
DOCS = sorted((PROJECT_DIR / "docs").glob("*.md"))
MAX_README_LINES = 200

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    out = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).replace("`", "").lower()).replace(" ", "-")
        out.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return out


def relative_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(path.read_text(encoding="utf-8")))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto: …
    ]


def test_the_readme_is_an_entry_of_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


def linked_from(page: Path) -> set[Path]:
    return {(page.parent / target.split("#")[0]).resolve() for target in relative_links(page) if target.split("#")[0]}


def test_every_page_in_docs_is_reached_from_the_readme():
    reached, todo = set(), [README.resolve()]
    while todo:
        page = todo.pop()
        if page in reached or not page.exists() or page.suffix != ".md":
            continue
        reached.add(page)
        todo.extend(linked_from(page))
    assert {page.resolve() for page in DOCS} - reached == set()


def test_the_anchor_rule_is_githubs():
    page = PROJECT_DIR / "docs" / "operations.md"
    assert {"running-behind-a-proxy-with-tls", "running-as-a-systemd-service", "configuration"} <= anchors(page)
    assert "measured-what-a-person-sees" in anchors(PROJECT_DIR / "docs" / "evaluation.md")


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(page):
    assert relative_links(page) or page.name != "README.md"
    broken = []
    for target in relative_links(page):
        name, _, fragment = target.partition("#")
        path = (page.parent / name).resolve() if name else page.resolve()
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no heading #{fragment} in {path.name}")
    assert broken == []


PROJECT_FILE = re.compile(r"(?<![\w/.])((?:app|index|ingest|tests)/[\w/]+\.(?:py|toml|html|md))\b")


def test_every_project_file_named_in_the_docs_and_the_code_exists():
    """A module moved or renamed leaves no stale path behind, in the docs or in a docstring or comment."""
    pages = [README, *DOCS, PROJECT_DIR / "Makefile", PROJECT_DIR / "pyproject.toml"]
    code = [path for package in ("app", "index", "ingest", "tests") for path in (PROJECT_DIR / package).rglob("*.py")]
    named = {
        (path.relative_to(PROJECT_DIR), name)
        for path in pages + code
        for name in PROJECT_FILE.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 50  # the rule reads the paths it should
    assert [f"{path}: {name}" for path, name in sorted(named) if not (PROJECT_DIR / name).exists()] == []
