"""Which parts of a committee bundle are about substance abuse and dependence, and which passages are proposals.

Committee bundles mix the substance-abuse plan with unrelated items (LSS housing,
food fees, signer lists). The rule is lexical and transparent: a part is the run
of chunks under one top-level section; it is on topic when domain terms make up
at least DENSITY of its words, or it has MIN_HITS of them. Parts too short to
judge (under SHORT_WORDS words) follow the part before them. Documents that are
not bundles are in scope as a whole.
"""

from __future__ import annotations

import re

from ingest.model import Chunk

# Word stems; a token matches when it starts with one (so "missbruk" covers "missbruksvård").
DOMAIN_TERMS = (
    "missbruk",
    "beroende",
    "alkohol",
    "narkotika",
    "drog",
    "substans",
    "spelberoend",
    "spel om pengar",
    "dopning",
    "abstinens",
    "avgiftning",
    "nykter",
    "riskbruk",
    "skadligt bruk",
    "opioid",
    "opiat",
    "heroin",
    "cannabis",
    "amfetamin",
    "bensodiazepin",
    "läkemedelsassisterad",
    "laro",
    "lvm",
    "sprututbyte",
    "naloxon",
    "audit",
    "dudit",
    "asi",
    "andt",
    "tobak",
    "berusad",
    "lob",
    "beroendevård",
    "beroendecentrum",
    "samsjuklighet",
    "återfallsprevention",
    "12-steg",
)
DENSITY = 0.008
MIN_HITS = 6
SHORT_WORDS = 40
# Words only a consultation uses; "remiss" alone is as often a referral ("Läkaren kan ge en remiss").
REMISS_WORDS = r"\bremiss(?:version|utgåva|förslag|handling)\b|\bremiss av\b"
PROPOSAL_RE = re.compile(
    r"förslag till beslut|föreslår\b.{0,60}\bbesluta|prioriteringsförslag|förslag på prioritering|" + REMISS_WORDS,
    re.I,
)
# A title or heading that states the status: "Remiss", "Remiss: …", "Remiss UTBF …", "Remissversion" —
# not "Remiss till beroendemottagningen"
REMISS_TITLE_RE = re.compile(r"^\W*remiss\b(?!\s+(?:till|från|vid|inom|för|på)\b)|" + REMISS_WORDS, re.I)
_TERM_RES = [re.compile(rf"\b{re.escape(t)}", re.I) for t in DOMAIN_TERMS]


def domain_hits(text: str) -> int:
    return sum(len(r.findall(text)) for r in _TERM_RES)


def mark_topics(chunks: list[Chunk], bundle: bool) -> int:
    """Sets Chunk.on_topic per part of a committee bundle; returns the number of off-topic passages.

    Only a bundle mixes unrelated items. A document of any other kind is in scope as a whole:
    someone chose to index it, even when it is about SIP or elderly care rather than missbruk.
    """
    for chunk in chunks:
        chunk.on_topic = True
    if not bundle:
        return 0
    parts: list[list[Chunk]] = []
    for chunk in chunks:
        if chunk.kind == "footnote":
            continue
        key = chunk.section_path[:1]
        if parts and parts[-1][0].section_path[:1] == key:
            parts[-1].append(chunk)
        else:
            parts.append([chunk])
    previous = True
    for part in parts:
        text = " ".join(c.text for c in part)
        words = max(len(text.split()), 1)
        hits = domain_hits(" ".join(part[0].section_path) + " " + text)
        if words < SHORT_WORDS and hits == 0:
            on = previous
        else:
            on = hits >= MIN_HITS or hits / words >= DENSITY
        for c in part:
            c.on_topic = on
        previous = on
    by_path = {tuple(c.section_path): c.on_topic for c in chunks if c.kind != "footnote"}
    for c in chunks:
        if c.kind == "footnote":
            c.on_topic = by_path.get(tuple(c.section_path), True)
    return sum(not c.on_topic for c in chunks)


def mark_proposals(chunks: list[Chunk]) -> None:
    """A passage is a proposal when its section or its own text says so (proposed decisions, an inquiry's
    proposals, a consultation's version); a heading may say it with "Remiss" alone, running text may not."""
    for c in chunks:
        c.proposal = bool(
            PROPOSAL_RE.search(" ".join(c.section_path))
            or any(REMISS_TITLE_RE.search(title) for title in c.section_path)
            or PROPOSAL_RE.search(c.text[:300])
        )
