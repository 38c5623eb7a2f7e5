"""Web addresses in document text, so the pages can make them links: http and https only."""

from __future__ import annotations

import re
from collections.abc import Iterator

# "www.x.se" counts too (opened over https); "javascript:" or "file:" never does.
_ADDRESS = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'()\[\]{}]+", re.I)
_TRAILING = ".,;:!?"  # sentence punctuation after an address is not part of it


def web_addresses(text: str) -> Iterator[tuple[str, str | None]]:
    """The text in pieces, each with the address to link it to, or None for plain text."""
    last = 0
    for match in _ADDRESS.finditer(text):
        address = match.group().rstrip(_TRAILING)
        if "." not in address.split("//")[-1]:
            continue
        start, end = match.start(), match.start() + len(address)
        if start > last:
            yield text[last:start], None
        yield address, address if address.lower().startswith("http") else f"https://{address}"
        last = end
    if last < len(text):
        yield text[last:], None
