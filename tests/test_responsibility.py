"""Responsibility records from chunks shaped like the parser's, built from real corpus passages."""

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from ingest.model import Chunk, ParsedDocument, TableData
from ingest.parse import parse_file
from ingest.actors import find_units, principal_of
from ingest.responsibility import tag_document

DALARNA_COLUMNS = [
    "Primärvård",
    "Somatiska kliniker",
    "Psykiatrisk vård (inkl. beroendevård, VUP, BUP)",
    "Socialtjänst",
]
P, S, PSY, SOC = DALARNA_COLUMNS
# Dalarna 2021, "Ansvarsfördelning vård och omsorg" (source lines 2520–2580), row by row.
DALARNA_ROWS = [
    ("Tidiga tecken, tidig upptäckt och förebyggande arbete", [P, S, PSY, SOC]),
    ("Utredning missbruk och beroende", [P, PSY, SOC]),
    ("Diagnos missbruk och beroende", [P, PSY]),
    ("Abstinensvård", [P, PSY]),
    ("Nedtrappning beroendeframkallande läkemedel", [PSY]),
    ("Läkemedelsbehandling, alkoholberoende", [P, PSY]),
    ("Läkemedelsbehandling, narkotika", [PSY]),
    ("Läkemedelsassisterad behandling vid opiatberoende", [PSY]),
    ("Psykosocial behandling", [P, PSY, SOC]),
    ("Psykologisk behandling", [P, PSY]),
    ("Sociala stödinsatser", [P, PSY, SOC]),
    ("Stöd till anhöriga/närstående, information och råd mm.", [P, PSY, SOC]),
    ("Barns rätt till information, råd, stöd", [P, S, PSY, SOC]),
    ("Orosanmälan barnsocialtjänsten enligt 14 kap. 1 § Socialtjänstlagen", [P, S, PSY, SOC]),
]
UNIT = {P: "primärvård", S: "somatisk vård", PSY: "psykiatri", SOC: "socialtjänst"}
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def document(*chunks: Chunk) -> ParsedDocument:
    doc = ParsedDocument("test", "test", "txt", "", list(chunks), report=None)
    tag_document(doc)
    return doc


def records(doc: ParsedDocument):
    return [r for c in doc.chunks for r in c.responsibility]


@cache
def corpus(name: str) -> list:
    """Records of a real corpus document, tagged the way the pipeline does it."""
    doc = parse_file(CORPUS / name)
    tag_document(doc)
    return records(doc)


DALARNA = "dalarna-overenskommelse-2021.txt"
NORRBOTTEN = "norrbotten-handlingsplan-2021.md"
VASTERBOTTEN = "vasterbotten-lansoverenskommelse-2016.txt"
STOCKHOLM = "stockholm-overenskommelse-missbruk-2016.md"
HARNOSAND = "harnosand-socialnamnden-2022-02-24.txt"


@pytest.fixture(scope="module")
def dalarna_matrix():
    return [r for r in corpus(DALARNA) if r.kind == "matrix"]


def test_dalarna_matrix_is_complete_with_exact_marks(dalarna_matrix):
    assert len(dalarna_matrix) == 14
    assert {r.kind for r in dalarna_matrix} == {"matrix"}
    for record, (label, cols) in zip(dalarna_matrix, DALARNA_ROWS):
        assert record.activity == label
        assert record.units == [UNIT[c] for c in cols]
        assert record.principal == ("gemensamt" if SOC in cols else "region")


def test_dalarna_matrix_key_rows(dalarna_matrix):
    by_label = {r.activity: r for r in dalarna_matrix}
    assert (by_label["Abstinensvård"].units, by_label["Abstinensvård"].principal) == (
        ["primärvård", "psykiatri"],
        "region",
    )
    assert by_label["Psykosocial behandling"].units == ["primärvård", "psykiatri", "socialtjänst"]
    assert by_label["Psykosocial behandling"].principal == "gemensamt"
    assert by_label["Läkemedelsassisterad behandling vid opiatberoende"].units == ["psykiatri"]


def test_k_marks_are_kept_as_weaker_records():
    # Norrbotten 2021, "Fortsättning – Insatser och Behandling".
    columns = ["Primärvård", "Psykiatri Beroendecentrum", "Somatisk vård", "Barnmedicin BUP, HAB", "Socialtjänst"]
    row = (
        "Överdospredvention - Naloxonbehandling vuxna",
        {"Primärvård": "K", "Psykiatri Beroendecentrum": "X", "Somatisk vård": "X", "Socialtjänst": "K"},
    )
    found = records(document(Chunk(["Matris"], "…", kind="table", table=TableData("", columns, [row]))))
    assert [(r.strength, r.units, r.principal) for r in found] == [
        ("X", ["psykiatri", "beroendevård", "somatisk vård"], "region"),
        ("K", ["primärvård", "socialtjänst"], "gemensamt"),
    ]


def test_misspelt_column_still_maps():
    assert find_units("Psykatri Beroendecentrum") == ["beroendevård"]
    columns = ["Psykatri Beroendecentrum", "Socialtjänst"]
    row = ("Läkarundersökning vid LVM -utredning/ LVM läkarintyg", {"Psykatri Beroendecentrum": "X"})
    [record] = records(document(Chunk([], "…", kind="table", table=TableData("", columns, [row]))))
    assert record.principal == "region"


def test_principal_of_units():
    assert principal_of(["primärvård", "BUP"]) == "region"
    assert principal_of(["socialtjänst", "LSS"]) == "kommun"
    assert principal_of(["psykiatri", "socialtjänst"]) == "gemensamt"
    assert principal_of([]) is None


VASTERBOTTEN_LANDSTING = """Exempel på insatser som landstinget ansvarar för:

- förebyggande arbete och tidiga interventioner vid riskbruk
- tillnyktringsverksamhet
- abstinensbehandling i öppen- och slutenvård
- läkemedelsassisterad behandling vid beroendetillstånd

(LARO)

- smittskyddsarbete"""


def test_list_under_actor_heading_and_lead():
    kommun = Chunk(
        ["Kommunens ansvar"],
        "Socialtjänstens insatser ska utgå från den enskildes behov.\n\nExempel på insatser som kommunerna ansvarar "
        "för:\n\n- tidig upptäckt, screening\n- motivationsarbete",
        kind="text",
    )
    landsting = Chunk(["Landstingets ansvar"], VASTERBOTTEN_LANDSTING, kind="text")
    found = records(document(kommun, landsting))
    assert [(r.activity, r.principal, r.kind) for r in found] == [
        ("tidig upptäckt, screening", "kommun", "list"),
        ("motivationsarbete", "kommun", "list"),
        ("förebyggande arbete och tidiga interventioner vid riskbruk", "region", "list"),
        ("tillnyktringsverksamhet", "region", "list"),
        ("abstinensbehandling i öppen- och slutenvård", "region", "list"),
        ("läkemedelsassisterad behandling vid beroendetillstånd (LARO)", "region", "list"),
        ("smittskyddsarbete", "region", "list"),
    ]


def test_list_without_responsibility_lead_gets_no_record():
    chunk = Chunk(
        ["Landstingets ansvar"],
        "Av planen ska det framgå\n\n1. vilka insatser som behövs,\n2. vem av huvudmännen som ska ha det övergripande "
        "ansvaret",
        kind="text",
    )
    other = Chunk(
        ["Brukarperspektiv"], "Kontakt, vård och behandling ska präglas av:\n- ett respektfullt bemötande", kind="text"
    )
    assert records(document(chunk, other)) == []


def test_stockholm_commitment_blocks_and_their_actors():
    """Commitment leads govern their blocks; an item whose own clause names another actor is a statement too."""
    root = ["6. Åtaganden"]
    chunks = [
        Chunk(
            root + ["Kommunerna och landstinget åtar sig att: Samordnad individuell plan (SIP)"],
            "- Utse samordnare med uppdrag att koordinera vård och stöd.",
            kind="list",
        ),
        Chunk(
            root + ["Ledningssystem"], "- Säkerställa processer och rutiner för systematisk uppföljning.", kind="list"
        ),
        Chunk(
            root + ["Äldre med missbruk/beroende", "Landstinget åtar sig att:"],
            "Ungdomar och unga vuxna med missbruk/beroende\n- Beroendevården och psykiatrin i länet åtar sig att "
            "utveckla samverkansformer.\n- Landstingets beroendevård ska erbjuda behandling för rökstopp.",
            kind="text",
        ),
        Chunk(
            root + ["Äldre med missbruk/beroende", "Kommunerna åtar sig att:"],
            "- Etablera kontakt med landstingets beroendevård för individuell bedömning.",
            kind="list",
        ),
        Chunk(
            root + ["Regional chefsamverkan", "Det regionala samrådet åtar sig att:"],
            "- Bidra till regional kunskapsutveckling.",
            kind="list",
        ),
    ]
    found = records(document(*chunks))
    assert [(r.principal, r.kind, r.units) for r in found] == [
        ("gemensamt", "commitment", []),
        ("gemensamt", "commitment", []),
        ("region", "commitment", ["beroendevård", "psykiatri"]),
        ("region", "commitment", ["beroendevård"]),
        ("kommun", "commitment", []),  # the municipality's bullet naming the region's unit stays the municipality's
    ]


def test_prose_forms():
    chunks = [
        Chunk(
            ["3.3 Regionens ansvar"],
            "Behandling kan ske inom både primärvård och psykiatri. Ansvaret för abstinensvård som sker i slutenvård "
            "tillhör psykiatrin. Hälso- och sjukvårdens verksamheter möter personer med riskbruk.",
        ),
        Chunk(
            ["9. Vård", "9.4 Region Norrbotten ansvarar för abstinensbehandling"],
            "Mindre komplicerad abstinensbehandling erbjuds vid länets primärvård.",
        ),
        Chunk(
            ["5. Implementering"],
            "Ledningen i Region Dalarna och Dalarnas 15 kommuner har det yttersta ansvaret för att denna "
            "överenskommelse implementeras.",
        ),
        Chunk(
            ["Beskrivning"],
            "Trots att båda huvudmännen har ansvar för de målgrupper som kartlagts finns stor variation. "
            "Kriminalvården ansvarar för att verkställa ungdomsövervakningen.",
        ),
    ]
    found = records(document(*chunks))
    assert [(r.activity, r.principal, r.kind) for r in found] == [
        ("abstinensvård som sker i slutenvård", "region", "prose"),
        ("abstinensbehandling", "region", "prose"),  # stated by the heading
        ("Mindre komplicerad abstinensbehandling", "region", "prose"),  # a passive names its actor after the verb
        ("denna överenskommelse implementeras", "gemensamt", "prose"),  # the leadership of both
    ]
    assert found[1].heading and not found[2].heading


def test_priorities_are_tagged_per_chunk():
    doc = document(Chunk(["Bedömningsinstrument"], "rekommenderas AUDIT (prio 1) och DUDIT (prio 3)."))
    assert [p.level for p in doc.chunks[0].priority] == [1, 3]


def test_record_counts_by_kind():
    doc = document(
        Chunk(["Landstingets ansvar"], VASTERBOTTEN_LANDSTING),
        Chunk(["3.3 Regionens ansvar"], "Ansvaret för abstinensvård som sker i slutenvård tillhör psykiatrin."),
    )
    assert Counter(r.kind for r in records(doc)) == {"list": 5, "prose": 1}


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        (DALARNA, {"list": 39, "matrix": 14}),
        (NORRBOTTEN, {"matrix": 56}),
        (VASTERBOTTEN, {"list": 33}),
        (STOCKHOLM, {"commitment": 105}),
    ],
)
def test_corpus_list_and_matrix_counts(name, kinds):
    """Lists, commitment blocks and matrices are counted per lead and row in the source; prose varies with wording."""
    assert {k: v for k, v in Counter(r.kind for r in corpus(name)).items() if k != "prose"} == kinds


@pytest.mark.parametrize("name", [DALARNA, NORRBOTTEN, VASTERBOTTEN, STOCKHOLM, HARNOSAND])
def test_every_statement_spans_its_words(name):
    """The span of a statement is the statement: its activity's words lie inside it, whole."""
    doc = parse_file(CORPUS / name)
    tag_document(doc)
    for chunk in doc.chunks:
        for r in chunk.responsibility:
            source = chunk.section_path[-1] if r.heading else chunk.text
            spanned = " ".join(source[r.start : r.end].split())
            assert 0 <= r.start < r.end <= len(source)
            assert " ".join(r.activity.split()[:3]) in spanned or r.kind == "matrix", (r.activity, spanned)


def test_norrbotten_matrix_rows_all_present_with_principal():
    doc = parse_file(CORPUS / NORRBOTTEN)
    rows = [label for c in doc.chunks if c.table for label, _ in c.table.rows]
    assert len(rows) == 48
    matrix = [r for r in corpus(NORRBOTTEN) if r.kind == "matrix"]
    assert {r.activity for r in matrix if r.strength == "X"} == set(rows)
    principal = {r.activity: r.principal for r in matrix if r.strength == "X"}
    assert principal["Abstinensbehandling unga och vuxna"] == "region"
    assert principal["Substitutionsbehandling vid opioid/opiatberoende (LARO)"] == "region"
    assert principal["Boende först"] == "kommun"
    assert principal["Arbete/sysselsättning"] == "kommun"
    assert principal["Motivationsarbete"] == "gemensamt"
    weak = [(r.activity, r.units) for r in matrix if r.strength == "K"]
    assert ("Medicinska test/biologiska markörer", ["ungdomsmottagning"]) in weak
    assert len(weak) == 8


def test_vasterbotten_actor_lists():
    lists = [r for r in corpus(VASTERBOTTEN) if r.kind == "list"]
    kommun = [r.activity for r in lists if r.principal == "kommun"]
    region = [r.activity for r in lists if r.principal == "region"]
    assert len(kommun) == 18 and len(region) == 15
    assert kommun[0] == "tidig upptäckt, screening"
    assert "hälso- och sjukvård i ordinärt boende enligt tröskelprincipen" in kommun
    assert "läkemedelsassisterad behandling vid beroendetillstånd (LARO)" in region
    assert "tillnyktringsverksamhet" in region


def test_stockholm_commitments_by_actor():
    commitments = [r for r in corpus(STOCKHOLM) if r.kind == "commitment"]
    assert Counter(r.principal for r in commitments) == {
        "gemensamt": 58,
        "region": 27,
        "kommun": 20,
    }  # counted per lead in the source
    rok = [r for r in commitments if r.activity.startswith("Beroendevården och psykiatrin")]
    assert {r.principal for r in rok} == {"region"}
    # "Utvecklingsbehov" after a commitment block is not a commitment.
    assert not [r for r in commitments if r.activity.startswith("Förstärka ett barn- och familjeperspektiv")]
    # The regional council is not a principal: its commitments get no record.
    assert not [r for r in commitments if r.activity.startswith("Bidra till regional kunskap")]


def abstinence(name: str):
    return {r.principal for r in corpus(name) if "abstinens" in r.activity.lower()}


def test_abstinence_responsibility_per_document():
    assert abstinence(NORRBOTTEN) == {"region"}  # 9.4 heading, the primary-care passive and the matrix row
    assert abstinence(DALARNA) == {"region"}  # prose "tillhör psykiatrin", the region's list and the matrix
    assert abstinence(VASTERBOTTEN) == {"region"}  # "Landstingets ansvar" list
    assert abstinence(STOCKHOLM) == set()  # says nothing about it
    # Härnösand only describes where abstinence care happens, and that socialtjänsten may ask for a certificate.
    assert {(r.principal, r.actor) for r in corpus(HARNOSAND) if "abstinens" in r.activity.lower()} == {
        ("kommun", "Socialtjänsten")
    }
    assert ("All behandling av skadligt bruk och beroende", "region") in {
        (r.activity, r.principal) for r in corpus(HARNOSAND)
    }


def one(text: str, path: list[str] | None = None, head: dict | None = None) -> list:
    doc = ParsedDocument("test", "test", "txt", text, [Chunk(path or ["Avsnitt"], text)], report=None, head=head or {})
    tag_document(doc)
    return doc.chunks[0].responsibility


def test_actor_recipient_and_mentioned():
    [r] = one("En läkare skall enligt LVM genast göra anmälan till socialnämnden om läkaren bedömer att vård behövs.")
    assert (r.principal, r.actor) == ("region", "En läkare")  # a physician is the region's (HSL 16 kap. 1 §)
    roles = {(a.text, a.role) for a in r.actors}
    assert ("socialnämnden", "recipient") in roles and ("läkare", "doer") in roles


def test_negation_and_modality():
    [r] = one(
        "Socialtjänsten får inte heller villkora insatser med motprestation och inte heller kräva provtagning av en "
        "person."
    )
    assert (r.principal, r.modality, r.negated) == ("kommun", "får", True)
    [r] = one("Regionen ansvarar inte för boendestöd.")
    assert (r.principal, r.negated) == ("region", True)


def test_either_or_between_principals_says_neither():
    [r] = one("Kommun och/eller region ansvarar för att en SIP upprättas.")
    assert r.principal is None  # "och/eller": either of them, the statement does not say which
    [r] = one("Kommunen och/eller annan privat vårdgivare som tillhandahåller SÄBO-plats ansvarar för sjukvården.")
    assert r.principal == "kommun"  # only one principal is named


def test_passive_inverted_and_cleft_forms():
    [r] = one("Läkarintyg i samband med LVM-utredning utfärdas av primärvård i de fall behandlingskontakt saknas.")
    assert (r.principal, r.actor) == ("region", "primärvård")
    [r] = one(
        "Enligt vapenlagen ska en läkare som bedömer att en patient är olämplig omedelbart anmäla detta till "
        "polismyndigheten."
    )
    assert r.principal == "region" and r.condition == "Enligt vapenlagen"
    [r] = one("Det är socialtjänsten som ansvarar för utredningen.")
    assert r.principal == "kommun"
    [r] = one("Vid misstanke om skada ska kommunen kontakta primärvården.")
    assert (r.principal, r.condition) == ("kommun", "Vid misstanke om skada")


def test_a_subject_about_something_else_is_no_statement():
    assert one("Samverkansmöte mellan Familjeläkarna, boendeverksamhet och MAS ska ske minst en gång per år.") == []
    assert one("Sjuksköterskans bedömningar kan ligga till grund för läkarens beslut.") == []
    assert one("Läkare från Familjeläkarna ska alltid kontaktas i första hand.") == []  # acted on, not acting


EMPLOYMENT = """Ansvaret för läkarinsatser på boendet vilar på Region Exempel.

Kommunen ansvarar för den sjukvård som ingår i sjuksköterskas, arbetsterapeuts och dietists ansvarsområde.

Sjuksköterskan ansvarar för att:

- informera läkaren om nya patienter

Dietisten ansvarar för att:

- bedöma nutritionsstatus"""


def test_roles_take_the_principal_their_document_gives_them():
    found = one(EMPLOYMENT)
    by_actor = {r.actor: r.principal for r in found}
    assert by_actor["Sjuksköterskan"] == "kommun" and by_actor["Dietisten"] == "kommun"
    # Without the employment statements a nurse's principal is unknown: no guess.
    assert {r.principal for r in one("Sjuksköterskan ansvarar för att:\n\n- informera läkaren")} == {None}


def test_a_routine_speaks_of_its_issuers_staff():
    head = {"issuer": "Vård- och omsorgsförvaltningen", "decided_by": "Verksamhetschef LSS"}
    found = one(
        "Enhetschef ansvarar för att:\n\n- rutin är känd och implementerad\n\nKontakta sjuksköterskan vid skada.",
        head=head,
    )
    assert [(r.actor, r.principal, r.kind) for r in found] == [
        ("Enhetschef", "kommun", "list"),
        ("", "kommun", "instruction"),  # an instruction of the routine is for its own staff
    ]


def test_an_item_that_names_its_own_actor_overrides_the_lead():
    found = one(
        "Läkaren ansvarar för att:\n\n- göra hembesök\n- Sjuksköterskan ansvarar för att informera läkaren.",
        head={"issuer": "Socialförvaltningen"},
    )
    assert [(r.actor, r.principal) for r in found] == [("Läkaren", "region"), ("Sjuksköterskan", "kommun")]


def test_vip_field_gives_one_record():
    [r] = one("Ansvarig huvudman: Kommunen", path=["Steg 3 Behandling"])
    assert (r.principal, r.kind) == ("kommun", "field")


def test_a_phrase_before_a_modal_and_a_comma_is_no_condition_of_a_routine_instruction():
    """ "Vid behov kan läkaren ta prover, till exempel PEth, …" in a kommun's routine is the doctor's
    (the region's), not an instruction to the kommun's staff with "Vid behov kan läkaren ta prover"
    as its condition."""
    from ingest.responsibility import DocumentContext, _clauses

    text = "Vid behov kan läkaren ta prover, till exempel PEth, och sätta in läkemedel."
    (statement,) = _clauses(text, 0, len(text), DocumentContext(issuer="kommun"))
    assert (statement.principal, statement.actor, statement.condition) == ("region", "läkaren", "Vid behov")
    text = "Vid misstanke om missbruk, kontakta sjuksköterskan."
    (instruction,) = _clauses(text, 0, len(text), DocumentContext(issuer="kommun"))
    assert (instruction.principal, instruction.condition) == ("kommun", "Vid misstanke om missbruk")


def test_who_does_it_differing_between_places_names_no_principal():
    [varies] = one("Det finns inga nationella regler om detta, och hur frågan hanteras varierar mellan verksamheter.")
    assert (varies.kind, varies.principal, varies.activity) == ("varies", None, "frågan hanteras")
    # a question about differences, or a difference that is no one's task, is no statement
    assert one("Hur skiljer sig ovanstående mellan olika grupper av kvinnor?") == []
    assert one("Tillgängligheten varierar beroende på ort.") == []


def test_whichever_principal_and_where_it_varies():
    """ "Den huvudman som först ser behovet kallar till SIP" binds both principals; "Var utdelning … sker
    varierar mellan kommunerna" names none."""
    [r] = one("Den huvudman som först ser behovet kallar till SIP-möte.")
    assert (r.principal, r.actor) == ("gemensamt", "huvudman")
    [r] = one("Var utdelning av LARO-läkemedel sker för patienter i stödboenden varierar mellan kommunerna.")
    assert (r.principal, r.kind) == (None, "varies")


def test_an_agreement_under_one_partys_letterhead_is_not_that_partys_routine():
    """An agentless "ska en SIP upprättas" in a region's routine is the region's staff's instruction; in an
    agreement printed under the region's letterhead it is nobody's in particular."""
    text = "När den enskilde behöver insatser från både socialtjänsten och vården ska en SIP upprättas."
    routine = {"issuer": "REGION EXEMPEL", "heading_title": "Rutin för samordnad vård"}
    assert [r.principal for r in one(text, head=routine)] == ["region"]
    agreement = {
        "issuer": "REGION EXEMPEL",
        "heading_title": "Överenskommelse om samverkan kring personer med missbruk",
    }
    assert one(text, head=agreement) == []


def test_expected_obliged_and_in_the_first_place_are_duties():
    """ "förväntas erbjuda", "är sedan 2018 skyldiga", "bör i första hand erbjudas av", and a county's
    full name ("Region Kalmar län och länets kommuner") or "kommuner och regioner" as one subject."""
    cases = {
        "Kommunerna förväntas erbjuda uppföljande samtal om alkoholvanor.": ("kommun", "ska"),
        "Hälso- och sjukvården och socialtjänsten är sedan den 1 januari 2018 skyldiga att erbjuda behandling.": (
            "gemensamt",
            "utför",
        ),
        "Behandling vid riskbruk bör i första hand erbjudas av primärvården.": ("region", "bör"),
        "Region Kalmar län och länets tolv kommuner ska ingå en överenskommelse.": ("gemensamt", "ska"),
        "Kommuner och regioner är skyldiga att ingå överenskommelser.": ("gemensamt", "utför"),
    }
    for text, (principal, modality) in cases.items():
        [r] = one(text)
        assert (r.principal, r.modality) == (principal, modality), text
