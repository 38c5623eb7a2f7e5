"""The answer card and the result badges: what a person reads first, on the real corpus index."""

from index.card.answer import DISAGREE, Statement, _decide, _meaning_settles, _own_words, compose_answer
from ingest.model import Responsibility
from index.params import RankingParams
from app.payloads import result_of


def answer(searcher, query, **kwargs):
    return compose_answer(searcher, query, searcher.search(query), **kwargs)


def test_priority_card_names_the_level_of_the_recommendation_asked_about(searcher):
    """Västerbotten: "… screeninginstrumenten AUDIT (prio 1) och DUDIT (prio 3)": one sentence, two levels."""
    dudit = answer(searcher, "dudit screening för narkotika, vilken prioritet")
    assert dudit.priority == {"level": 3, "label": "BÖR"}
    assert "DUDIT" in dudit.statement.text
    audit = answer(searcher, "AUDIT screening alkohol prioritet")
    assert audit.priority == {"level": 1, "label": "BÖR"}


def test_result_badge_shows_the_matching_recommendation_not_the_strongest(searcher):
    query = "dudit screening för narkotika, vilken prioritet"
    hits = searcher.search(query)
    reading = searcher.read(query)
    mixed = next(h for h in hits if "DUDIT (prio 3)" in h.passage.text and "AUDIT (prio 1)" in h.passage.text)
    assert result_of(mixed, reading)["priority"] == {"level": 3, "label": "BÖR"}


def test_a_passage_without_a_matching_recommendation_shows_no_badge(searcher):
    query = "vem ansvarar för abstinensbehandling"
    reading = searcher.read(query)
    for hit in searcher.search(query):
        badge = result_of(hit, reading)["priority"]
        assert badge is None or "abstinens" in hit.passage.text.lower()


def test_the_card_quotes_the_statement_whole(searcher):
    for query in (
        "vem ansvarar för abstinensbehandling",
        "basutredning beroendevården vem gör den",
        "läkarintyg lvm vem skriver i dalarna",
    ):
        card = answer(searcher, query)
        assert card.statement, query
        text = card.statement.text
        assert (
            text[-1] in ".!?)"
            or "\n" in text
            or not text[-1].isalpha()
            or text.endswith(card.statement.text.split()[-1])
        )
        assert text.count("(") == text.count(")"), text


def test_a_county_without_documents_gets_no_principal_only_what_other_counties_say(searcher):
    """Counties divide the work differently: Dalarna's answer is no answer for Jämtland, nor for a county
    the product does not even know by the name the question gives it."""
    without = "vem ansvarar för abstinensbehandling"
    assert answer(searcher, without).principal  # the documents do say it, for their counties
    for county, named in (("i Jämtland", "Jämtland"), ("i jmt län", "jmt län")):
        card = answer(searcher, f"{without} {county}")
        assert card.abstained and card.principal is None, county
        assert f"inga dokument från {named}" in card.reason
        assert card.candidates and all(c.region != "Jämtland" for c in card.candidates)


def test_my_county_answers_from_my_county(searcher):
    card = answer(searcher, "vem ansvarar för abstinensbehandling i mitt län", prefer_region="Dalarna")
    assert card.statement.region == "Dalarna" and card.principal == "region"
    unknown = answer(searcher, "vem ansvarar för abstinensbehandling i mitt län")
    assert "ditt län" in unknown.region_note


def test_a_named_county_answers_from_that_county_or_not_at_all(searcher):
    card = answer(searcher, "vem ansvarar för abstinensbehandling i Västerbotten")
    assert card.statement.region == "Västerbotten"
    silent = answer(searcher, "vem ansvarar för abstinensbehandling i Stockholm")
    assert silent.abstained and silent.statement is None


def test_what_someone_may_not_do_is_quoted_with_its_exception(searcher):
    card = answer(searcher, "får soc kräva urinprov")
    assert card.intent == "permission" and card.statement.negated
    assert "inte" in card.statement.text and "kräva provtagning" in card.statement.text
    assert card.principal == "kommun"


def test_disagreeing_statements_make_the_card_abstain_with_the_candidates(searcher):
    """Dalarna: the region "ansvarar för läkarundersökning LVM", and "Socialtjänsten beslutar om
    läkarundersökning": who decides is not one principal."""
    card = answer(searcher, "vem bestämmer att det blir läkarundersökning vid lvm-utredning i dalarna")
    assert card.abstained and card.reason == DISAGREE
    assert {"region", "kommun"} <= {c.principal for c in card.candidates}


def statement(principal: str, meaning: float, words: set[str]) -> Statement:
    return Statement(
        "responsibility", "c", "d", "t", None, "", None, "gällande", "", 0, 1, False, 0.7, 0.7, 0,
        principal=principal, meaning=meaning, words=frozenset(words),
    )  # fmt: skip


def test_meaning_settles_a_vote_only_when_it_agrees_and_no_rival_says_more():
    """The doctor's part of a task beside the nurse's: words tie, the statement nearest in meaning
    decides, unless a rival says a word of the question the best does not ("beslutar")."""
    params = RankingParams(meaning_margin=0.01)
    best = statement("region", 0.886, {"dödsfall", "fastställa"})
    rival = statement("kommun", 0.862, {"dödsfall"})
    assert _meaning_settles(best, [best, rival], params)
    assert not _meaning_settles(best, [best, statement("kommun", 0.880, {"dödsfall"})], params)  # too close
    assert not _meaning_settles(best, [best, statement("kommun", 0.862, {"dödsfall", "beslutar"})], params)
    assert not _meaning_settles(best, [best, rival, statement("kommun", 0.9, set())], params)  # nearest disagrees
    assert not _meaning_settles(best, [best, rival], RankingParams(meaning_margin=0.0))  # switched off


def test_who_pays_answers_only_a_question_about_paying():
    """ "Kommunerna ansvarar även för kostnaden för drogtester som socialtjänsten begär" does not say who
    takes the samples, but it does say who pays for them, and only such a statement does."""
    cost = statement("kommun", 0.9, {"drogtester"})
    cost.about_cost = True
    params = RankingParams()
    taking = _decide("responsibility", [cost], None, params)
    assert taking.abstained and taking.candidates == [cost]
    assert _decide("responsibility", [cost], None, params, asks_cost=True).principal == "kommun"
    # and asked who pays, a statement about doing the task does not outvote the one about paying
    doing = statement("region", 0.95, {"drogtester"})
    doing.match = doing.coverage = 0.9
    assert _decide("responsibility", [doing, cost], None, params, asks_cost=True).principal == "kommun"


def test_what_a_statement_excepts_and_what_only_elaborates_are_not_what_it_says():
    text = (
        "Regionen ansvarar för abstinensbehandling förutom när behandlingen ingår i en placering på HVB. "
        "Det gäller även ungdomar. Regionen ska också erbjuda LARO."
    )
    said, elaboration, exception = _own_words(text, Responsibility("abstinensbehandling", "region"), 0, len(text), True)
    assert "HVB" in exception and "HVB" not in said
    assert "LARO" in said and "ungdomar" in elaboration and "ungdomar" not in said


def test_meaning_settles_who_is_responsible_where_words_tie(searcher):
    """Dalarna: "Socialtjänsten har det yttersta ansvaret för att barn och unga som far illa får …
    skydd" beside the region's duty to report children at risk; the words tie, the meaning does not."""
    card = answer(searcher, "vem ska skydda småbarn och ungdomar som far illa i Dalarna?")
    assert card.principal == "kommun" and "yttersta ansvaret" in card.statement.text


def test_a_statement_says_its_duties_and_its_elaboration_only_adds_to_them(searcher):
    """Stockholm: "Kommunerna och landstinget åtar sig att: Informera varandra om … För socialtjänsten
    gäller det även tillvägagångssätt vid orosanmälningar och barnutredningar" is a duty to inform,
    not to investigate; "… Beroendevården ska innan ordination … göra en sammanvägd bedömning" in the
    same list item as another duty is one of the region's."""
    card = answer(searcher, "vem utreder orosanmälningar om barn i stockholm")
    assert card.abstained
    card = answer(searcher, "sammanvägd bedömning före LARO i Stockholm, vem gör den?")
    assert card.principal == "region" and "sammanvägd bedömning" in card.statement.text


def test_each_principals_own_part_agrees_with_a_shared_responsibility(searcher):
    """Dalarna lists psychosocial treatment under the region, under the kommuner and as a shared
    responsibility: the lists are each principal's part of the shared task, not a disagreement."""
    card = answer(searcher, "psykosocial behandling i dalarna, kommun eller region?")
    assert card.principal == "gemensamt"


def test_a_matrix_row_answers_by_what_its_label_says(searcher):
    """Norrbotten's matrix: "Substitutionsbehandling vid opioid/opiatberoende (LARO): Psykiatri
    Beroendecentrum (X)". The row's label says what the unit does; the question may meet it."""
    card = answer(searcher, "vem ansvarar för LARO i Norrbotten")
    assert card.principal == "region" and "LARO" in card.statement.text


def test_api_responsibility_returns_statements(client):
    body = client.get("/api/responsibility", params={"q": "vem ansvarar för abstinensbehandling"}).json()
    statements = [s for r in body["regions"] for s in r["statements"]]
    assert statements and all(s["kind"] == "responsibility" for s in statements)
    first = statements[0]
    assert {"actor", "principal", "units", "modality", "negated", "span", "chunk_id"} <= set(first)
    assert any(s["principal"] == "region" and "abstinens" in s["text"].lower() for s in statements)


def test_a_document_in_force_is_cited_before_an_expired_one_that_says_the_same(searcher):
    """The card cited Norrbotten's plan, whose validity has run out, for abstinence treatment, while
    Västerbotten's agreement in force says the same principal (issue 29)."""
    for question in (
        "vem ansvarar för abstinensbehandling",
        "vem ansvarar för LARO",
        "vem ansvarar för anhörigstöd",
        "vem ansvarar för sprutbyte",
        "vem ansvarar för tillnyktring",
    ):
        card = answer(searcher, question)
        if card.abstained or card.statement.status == "gällande":
            continue
        same = [r for r in card.regions if r.principal == card.principal and r.status == "gällande"]
        assert not same, (question, card.statement.region, [r.region for r in same])
    card = answer(searcher, "vem ansvarar för abstinensbehandling")
    assert card.principal == "region" and card.statement.status == "gällande"


def test_the_verb_that_asks_who_does_it_is_not_what_is_asked(searcher):
    """ "vem ger boendestöd", "vem ordnar boende", "vem sköter avgiftningen": a statement need not say
    "ger" to answer; the BUP's "ger föräldrastöd" gets no share of the question for it."""
    for question, activity in (
        ("vem ger boendestöd", "boendestöd"),
        ("vem ordnar boende", "boende"),
        ("vem sköter avgiftningen", "avgiftningen"),
    ):
        asked = searcher.read(question, False).statement_question
        assert asked.coverage(asked.tokens(activity)) == 1.0, question
