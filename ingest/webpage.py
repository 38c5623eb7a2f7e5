"""A web page's furniture, recognised by its shape whatever site the page came from.

A reader service stores a page as Markdown with everything the page shows around its text: a
breadcrumb trail, skip and back links, menus and in-page link lists, share links, teasers for
related pages (a heading that is a link, with a blurb under it) and the writers' credits. None of
it is the page's own text. `page_furniture` finds each such line and says why, for the editor's
view; `setext_headings` rewrites "Rubrik" over "-----" or "=====" as a `#` heading, so one heading
rule serves every format; `link_text` keeps a link's words and drops its address.
"""

from __future__ import annotations

import re

# [text](url "title"), ![alt](src) and [text][ref]; an address may hold one level of parentheses
LINK_RE = re.compile(
    r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"(?:\((?P<url>(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)|\[[^\]]*\])"
)
AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
DEFINITION_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+\s*$")  # "[1]: https://…", a reference link's address
UNDERLINE_RE = re.compile(r"^\s{0,3}(?:={3,}|-{3,})\s*$")
HEADING_RE = re.compile(r"^\s*(?:[*+-]\s+)?(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
ITEM_RE = re.compile(r"^\s*(?:[*+-]|\d{1,2}[.)])\s+(?P<text>.*)$")
# What may stand between the links of a trail or a row of share links
SEPARATORS = " \t/>›»|·•,;.–-"
CREDIT_RE = re.compile(
    r"^(?:sidan\s+)?(?:skribent|författare|granskare|faktagranskare|granskad av|redaktör|illustratör|illustration|"
    r"foto|fotograf|medicinskt sakkunnig|sakkunnig|senast (?:uppdaterad|granskad|ändrad)|"
    r"sidan (?:uppdaterades|granskades)|publicerad|sidansvarig|innehållsansvarig|sidägare)\s*:\s*\S",
    re.I,
)
CREDIT_WORDS = 20
# "801 88 Gävle", "Box 1613, 701 16 Örebro", "Telefon växel: 019-602 10 00": a footer's address lines
POSTAL_RE = re.compile(
    r"^(?:(?:Box\s+\d+|[A-ZÅÄÖ][\w.-]*(?:\s+[\w.-]+){0,2}\s+\d+[A-Za-z]?),?\s+)?"
    r"\d{3} ?\d{2}\s+[A-ZÅÄÖ][\w-]+(?:\s+[A-ZÅÄÖ][\w-]+)?$"
    r"|^(?:telefon\s*)?växel(?:nummer)?\s*:\s*[\d +()-]+$",
    re.I,
)
# "Hjälpte informationen på sidan dig? Ja Nej": the site's feedback buttons
FEEDBACK_RE = re.compile(r"\?\s*Ja\s*[/|]?\s*Nej\s*$")
FEEDBACK_WORDS = 12
# "Vi använder kakor (cookies) för att …", "Webbplatsen använder cookies": the site's notice, not the page's text
COOKIES_RE = re.compile(
    r"\banvänder\s+(?:kakor|cookies)\b|\b(?:godkänn|acceptera)\w*\s+(?:alla\s+)?(?:kakor|cookies)\b", re.I
)
NOTICE_WORDS = 60
SETEXT_WORDS = 20  # an underlined line longer than this is a paragraph over a rule, not a heading
UI_WORDS = 8  # a short line of a navigation block that is not a sentence is a control ("Visa som lista")
LABEL_WORDS = 3  # "Dela sidan:" before share links, "Du är här:" before a trail


def link_text(text: str) -> str:
    """Links keep their words, images go: "[ändra vanor](https://…)" → "ändra vanor"."""
    text = LINK_RE.sub(lambda m: "" if m.group("image") else m.group("text"), text)
    return AUTOLINK_RE.sub(r"\1", text)


def setext_headings(texts: list[str]) -> list[str]:
    """A single short line underlined with ===== (level 1) or ----- (level 2) is a heading.

    Only a line standing alone counts: under a paragraph, a rule is a rule (a converter's page break).
    """
    out = list(texts)
    for i in range(len(texts) - 1):
        text, under = texts[i].strip(), texts[i + 1]
        alone = i == 0 or not texts[i - 1].strip() or bool(HEADING_RE.match(texts[i - 1]))
        if (
            UNDERLINE_RE.match(under)
            and text
            and alone
            and len(text.split()) <= SETEXT_WORDS
            and not (HEADING_RE.match(text) or ITEM_RE.match(text) or UNDERLINE_RE.match(text))
            and "\t" not in text
            and not text.startswith(("|", ">"))
        ):
            out[i] = ("# " if "=" in under else "## ") + text
            out[i + 1] = ""
    return out


def page_furniture(texts: list[str]) -> tuple[dict[int, str], str | None]:
    """Indices of furniture lines with their reason, and the page the breadcrumb trail ends in.

    Reasons: breadcrumb, navigation (link lists, and a heading whose section holds nothing but
    furniture), link (a line that is nothing but links), teaser (a heading that is a link, with its
    blurb), duplicate_heading (the same heading twice in a row), credit (writer, reviewer, dates),
    cookies (the site's notice that it uses them), address (a footer's postal address or switchboard line),
    feedback (the site's "did this page help? Yes No").
    """
    found: dict[int, str] = {}
    crumbs = _breadcrumbs(texts)
    found.update({i: "breadcrumb" for i in crumbs})
    for run in _link_lists(texts):
        found.update({i: "navigation" for i in run if i not in found})
    for i, text in enumerate(texts):
        if i in found or not text.strip():
            continue
        if (_links_only(text) and not ITEM_RE.match(text) and not HEADING_RE.match(text)) or DEFINITION_RE.match(text):
            found[i] = "link"
        elif CREDIT_RE.match(text.strip()) and len(text.split()) <= CREDIT_WORDS:
            found[i] = "credit"
        elif COOKIES_RE.search(text) and len(text.split()) <= NOTICE_WORDS:
            found[i] = "cookies"
        elif POSTAL_RE.match(text.strip()):
            found[i] = "address"
        elif FEEDBACK_RE.search(shown := link_text(text)) and len(shown.split()) <= FEEDBACK_WORDS:
            found[i] = "feedback"
    for i in [i for i, reason in found.items() if reason == "link"]:
        above = _previous(texts, i)  # "Dela sidan" over the share links
        label = above is not None and above not in found and _control(texts[above])
        if label and len(texts[above].split()) <= LABEL_WORDS:
            found[above] = "link"
    found.update(_teasers(texts, found))
    found.update(_repeated_headings(texts, found))
    found.update(_navigation_sections(texts, found))
    current = [m.group("text") for m in LINK_RE.finditer(texts[crumbs[-1]])][-1].strip() if crumbs else None
    return found, current or None


def _links(text: str) -> list[str]:
    """The addresses a line links to. A link to nowhere ("#", as converters write a document's
    hyperlinked reference titles) is text, not a pointer."""
    return [m.group("url") for m in LINK_RE.finditer(text) if not m.group("image") and (m.group("url") or "#") != "#"]


def _links_only(text: str) -> bool:
    """Nothing but links, separators between them, and at most a short label ("Dela sidan:"); after a
    labelled row of several links, a short control may follow ("Dela sidan: [Facebook](…) [E-post](…) Skriv ut")."""
    links = _links(text)
    if not links:
        return False
    rest = LINK_RE.sub(" ", ITEM_RE.sub(r"\g<text>", text)).strip(SEPARATORS + ":")
    if not rest:
        return True
    matches = [m for m in LINK_RE.finditer(text) if not m.group("image")]
    first, last = matches[0], matches[-1]
    label = text[: first.start()].strip()
    between = LINK_RE.sub(" ", text[first.start() : last.end()]).strip(SEPARATORS)
    after = text[last.end() :].strip()
    return (
        label.endswith(":")
        and len(label.split()) <= LABEL_WORDS
        and not between
        and (not after or (len(links) >= 2 and len(after.split()) <= LABEL_WORDS and not re.search(r"[.!?:]", after)))
    )


def _chain(urls: list[str]) -> bool:
    """Each address lies under the one before it: a trail from the start page down to this one."""
    paths = [u.split("#")[0].rstrip("/") for u in urls]
    return len(paths) >= 2 and all(b.startswith(a) and b != a for a, b in zip(paths, paths[1:]))


def _previous(texts: list[str], i: int) -> int | None:
    return next((j for j in range(i - 1, -1, -1) if texts[j].strip()), None)


def _breadcrumbs(texts: list[str]) -> list[int]:
    """The first trail of links whose addresses nest: a list of one-link items, or one line of links
    between separators; with the short label above it ("Du är här:"). Returns its line indices."""
    for i, text in enumerate(texts):
        urls = _links(text)
        if len(urls) >= 2 and _links_only(text) and not ITEM_RE.match(text) and _chain(urls):
            return _with_label(texts, [i])
        run = _item_run(texts, i) if text.strip() else []
        if run and _chain([_links(texts[j])[0] for j in run]):
            return _with_label(texts, run)
    return []


def _with_label(texts: list[str], run: list[int]) -> list[int]:
    above = _previous(texts, run[0])
    label = above is not None and texts[above].strip().endswith(":") and len(texts[above].split()) <= LABEL_WORDS
    return [above, *run] if label else run


def _item_run(texts: list[str], start: int) -> list[int]:
    """Consecutive list items from `start` that are one link each (blank lines between allowed)."""
    run: list[int] = []
    for j in range(start, len(texts)):
        text = texts[j]
        if not text.strip():
            continue
        if not (ITEM_RE.match(text) and not HEADING_RE.match(text) and _links_only(text) and len(_links(text)) == 1):
            break
        run.append(j)
    return run if len(run) >= 2 else []


def _link_lists(texts: list[str]) -> list[list[int]]:
    """Lists of nothing but links that no lead line introduces: menus and in-page link lists, with the
    short label over them ("Meny"). A list of links under "… vanliga att ha samtidigt:" is content,
    and keeps its words."""
    runs: list[list[int]] = []
    i = 0
    while i < len(texts):
        run = _item_run(texts, i)
        if not run:
            i += 1
            continue
        above = _previous(texts, run[0])
        lead = above is not None and texts[above].rstrip().endswith(":") and not HEADING_RE.match(texts[above])
        if not lead:
            label = above is not None and _control(texts[above])  # "Meny", "I den här delen av webbplatsen"
            runs.append([above, *run] if label else run)
        i = run[-1] + 1
    return runs


def _teasers(texts: list[str], found: dict[int, str]) -> dict[int, str]:
    """A heading that is nothing but a link to another page, with the paragraph under it, and the short
    label over a row of them ("Relaterat"). A heading that links to its own anchor ("## [Behandling](#behandling)")
    is the page's own heading."""
    out: dict[int, str] = {}
    for i, text in enumerate(texts):
        heading = HEADING_RE.match(text)
        if i in found or not heading or not _links_only(heading.group("title")):
            continue
        if all(url.startswith("#") for url in _links(heading.group("title"))):
            continue
        out[i] = "teaser"
        above = _previous(texts, i)
        if above is not None and above not in found and above not in out and _control(texts[above]):
            out[above] = "navigation"
        j = i + 1
        while j < len(texts) and not texts[j].strip():
            j += 1
        while j < len(texts) and texts[j].strip() and not HEADING_RE.match(texts[j]) and not ITEM_RE.match(texts[j]):
            out[j] = "teaser"
            j += 1
    return out


def _heading_key(text: str) -> tuple[int, str] | None:
    heading = HEADING_RE.match(text)
    if not heading:
        return None
    title = re.sub(r"\*\*|__", "", link_text(heading.group("title"))).strip().lower()
    return len(heading.group("hashes")), title


def _repeated_headings(texts: list[str], found: dict[int, str]) -> dict[int, str]:
    """The same heading twice with nothing between (a page's accordion button over its heading)."""
    out: dict[int, str] = {}
    for i, text in enumerate(texts):
        key = _heading_key(text)
        before = _previous(texts, i)
        if key and before is not None and before not in found and _heading_key(texts[before]) == key:
            out[i] = "duplicate_heading"
    return out


def _navigation_sections(texts: list[str], found: dict[int, str]) -> dict[int, str]:
    """A heading whose section holds furniture and nothing else but short controls ("Visa som lista")
    is navigation too ("Hitta på sidan", "Relaterat", "Dela sidan"), and so are those controls."""
    out: dict[int, str] = {}
    for i, text in enumerate(texts):
        key = _heading_key(text)
        if not key or i in found:
            continue
        body = []
        for j in range(i + 1, len(texts)):
            other = _heading_key(texts[j])
            if other and other[0] <= key[0]:
                break
            if texts[j].strip():
                body.append(j)
        rest = [j for j in body if j not in found]
        controls = all(_control(texts[j]) for j in rest)
        if any(j in found for j in body) and controls:
            out.update({j: "navigation" for j in [i, *rest]})
    return out


def _control(text: str) -> bool:
    """A button or switch of the page: short, no sentence, not a heading or a list item."""
    text = text.strip()
    return (
        len(text.split()) <= UI_WORDS
        and not text.endswith((".", "!", "?"))
        and not HEADING_RE.match(text)
        and not ITEM_RE.match(text)
    )
