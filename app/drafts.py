"""What a draft would change: questions asked of the corpus as it is and of the draft's copy of it.

An editor publishes a draft knowing which answers move: for each question whose answer card or
first result differs, both are shown as a person would see them. The questions are the start
page's examples, one per responsibility statement and recommendation the draft states, and, for
a new version, one per statement of the version in search (what the new one may take away).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from itertools import zip_longest

from app.inspect import DocumentReading
from app.pages import EXAMPLE_QUESTIONS, PRINCIPALS
from app.payloads import search_payload
from index.retrieve.search import IndexMissing, Searcher

MOST_QUESTIONS = 24  # each is asked twice; a long agreement states a hundred things
TOPIC_WORDS = 7
KEPT_PREVIEWS = 4  # searchers over drafts' copies kept loaded in this process


def _topic(text: str) -> str:
    """The first words of what a statement is about: "att erbjuda abstinensbehandling i slutenvård …"."""
    words = re.sub(r"^(?:för\s+att|att|för)\s+", "", " ".join(text.split()), flags=re.IGNORECASE).split()
    return " ".join(words[:TOPIC_WORDS]).rstrip(".,;:–-")


def _asked_of(reading: DocumentReading) -> list[str]:
    """A question per statement and recommendation the document makes."""
    who = [
        f"vem ansvarar för {_topic(r.activity)}" for _, r in reading.statements if not r.negated and _topic(r.activity)
    ]
    return who + [f"prioritet för {_topic(p.action or p.recommendation)}" for _, p in reading.recommendations]


def questions_for(draft: DocumentReading, current: DocumentReading | None) -> list[str]:
    """The questions to ask with and without the draft, each once, at most MOST_QUESTIONS: the draft's and
    the current version's taken in turn, so what a new version takes away is asked as well as what it adds."""
    own = [_asked_of(reading) for reading in filter(None, (draft, current))]
    taken_in_turn = [question for pair in zip_longest(*own) for question in pair if question]
    return list(dict.fromkeys([*EXAMPLE_QUESTIONS, *taken_in_turn]))[:MOST_QUESTIONS]


def _card(answer: dict | None) -> tuple[str, tuple]:
    """The card in a few words, and what tells two cards apart."""
    if answer is None:
        return "inget svarskort", (None,)
    statement = answer["statement"] or {}
    if answer["abstained"]:
        words = "avstår: dokumenten säger inte tydligt"
    elif answer["priority"]:
        level = answer["priority"]["level"]
        words = answer["priority"]["label"] + (f" (prio {level})" if level else "")
    else:
        words = PRINCIPALS.get(answer["principal"], "ingen huvudman")
    if statement:
        words += f" – {statement['title']}"
    return words, (answer["abstained"], answer["principal"], str(answer["priority"]), answer["chunk_id"])


def _first(results: list[dict]) -> tuple[str, str | None, str | None]:
    if not results:
        return "ingen träff", None, None
    first = results[0]
    return " › ".join(filter(None, [first["title"], first["section"]])), first["chunk_id"], first["doc_id"]


def _asked(searcher: Searcher, question: str) -> dict:
    """The API's answer; an empty corpus (the first upload) has no card and no results."""
    try:
        return search_payload(searcher, question)
    except IndexMissing:
        return {"answer": None, "results": []}


def compare(live: Searcher, preview: Searcher, question: str, doc_id: str) -> dict:
    """One question asked of the corpus and of the draft's copy, as the search page would answer it."""
    before, after = _asked(live, question), search_payload(preview, question)
    card_before, key_before = _card(before["answer"])
    card_after, key_after = _card(after["answer"])
    first_before, chunk_before, _ = _first(before["results"])
    first_after, chunk_after, first_doc = _first(after["results"])
    answer = after["answer"] or {}
    return {
        "question": question,
        "card_before": card_before,
        "card_after": card_after,
        "card_changed": key_before != key_after,
        "card_from_draft": (answer.get("statement") or {}).get("doc_id") == doc_id,
        "first_before": first_before,
        "first_after": first_after,
        "first_changed": chunk_before != chunk_after,
        "first_from_draft": first_doc == doc_id,
    }


def changes(live: Searcher, preview: Searcher, questions: list[str], doc_id: str) -> list[dict]:
    """Every question, compared; the page lists those that changed and names the others."""
    return [compare(live, preview, question, doc_id) for question in questions]


class Previews:
    """Searchers over drafts' copies, loaded when a draft page asks a question and kept for the next one."""

    def __init__(self, load) -> None:
        self._load = load  # draft id -> Searcher
        self._kept: OrderedDict[str, Searcher] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, draft_id: str) -> Searcher:
        with self._lock:
            if draft_id in self._kept:
                self._kept.move_to_end(draft_id)
                return self._kept[draft_id]
        searcher = self._load(draft_id)
        with self._lock:
            self._kept[draft_id] = searcher
            while len(self._kept) > KEPT_PREVIEWS:
                self._kept.popitem(last=False)
        return searcher

    def forget(self, draft_id: str) -> None:
        with self._lock:
            self._kept.pop(draft_id, None)
