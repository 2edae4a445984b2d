"""/who: resolution by name, alias, surname or close spelling; roles with sources; conflicts shown."""

import pytest


def test_who_blinken(seeded_store):
    _lookup, profile = seeded_store.who("Blinken")
    assert (profile.entity.name, profile.entity.label) == ("Antony Blinken", "PERSON")
    assert profile.roles[0].role == "U.S. Secretary of State"
    # 'US Secretary of State' (the unnamed outlet of seed 003) is the same scoped office as 'U.S. Secretary of State'.
    assert sorted(c.source for c in profile.roles[0].sources) == [
        "Unnamed blog",
        "Unnamed news outlet",
        "Unnamed news site (Webdesk)",
        "Unnamed wire service",
        "VOA",
    ]
    assert (profile.first_seen, profile.last_seen, profile.articles) == ("2024-01-09", "2024-10-22", 5)
    assert "Blinken" in profile.aliases
    assert len(profile.sentences) == 3 and profile.sentences[0][1].published_at == "2024-10-22"


@pytest.mark.parametrize(
    "name, canonical, role",
    [
        ("antony blinken", "Antony Blinken", "U.S. Secretary of State"),
        ("Netanyahu", "Benjamin Netanyahu", "Israeli Prime Minister"),
        ("Yahya Sinwar", "Yahya Sinwar", "Hamas leader"),
        ("Nabih Berri", "Nabih Berri", "speaker of Lebanon’s parliament"),
        ("hochstein", "Amos Hochstein", "U.S. envoy"),
        ("Blinkin", "Antony Blinken", "U.S. Secretary of State"),  # a close spelling
    ],
)
def test_names_resolve_with_roles_from_the_text(seeded_store, name, canonical, role):
    _, profile = seeded_store.who(name)
    assert profile.entity.name == canonical
    assert role in [r.role for r in profile.roles]


def test_conflicting_defense_minister_is_shown_with_both_sources(seeded_store):
    _, profile = seeded_store.who("Gantz")
    conflict = profile.conflicts[0]
    assert conflict.office == "defense minister"
    claims = {(person, citation.source) for person, _, citation in conflict.claims}
    assert claims == {("Benny Gantz", "Unnamed blog"), ("Yoav Gallant", "Unnamed news outlet"), ("Yoav Gallant", "VOA")}


def test_conflict_is_shown_from_the_other_side_too(seeded_store):
    _, profile = seeded_store.who("Yoav Gallant")
    assert {p for c in profile.conflicts for p, _, _ in c.claims} == {"Benny Gantz", "Yoav Gallant"}


def test_bibi_is_unknown_because_no_text_says_it(seeded_store):
    lookup, profile = seeded_store.who("Bibi")
    assert profile is None and lookup.message.startswith("I know nobody called “Bibi”")


def test_unknown_name_suggests_near_matches(seeded_store):
    lookup, profile = seeded_store.who("Hochst")
    assert profile is None
    assert [e.name for e in lookup.suggestions] == ["Amos Hochstein"]


def test_ambiguous_name_lists_candidates(service):
    service.ingest_text(
        "Prime Minister Anna Smith met Finance Minister John Smith in Ottawa on Monday to discuss the budget.", "a"
    )
    lookup, profile = service.who("Smith")
    assert profile is None
    assert sorted(e.name for e in lookup.candidates) == ["Anna Smith", "John Smith"]


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Give a name to look up."),
        ("   ", "Give a name to look up."),
        ("x" * 1000, "That name is too long (1,000 characters; names are at most 200)."),
        ("?!...", "That is not a name: it has no letters or digits."),
    ],
)
def test_bad_names_get_a_clear_reply(seeded_store, name, message):
    lookup, profile = seeded_store.who(name)
    assert (profile, lookup.message) == (None, message)


def test_who_on_an_empty_store(service):
    lookup, profile = service.who("Blinken")
    assert profile is None and lookup.message == "I know nobody called “Blinken”."


def test_companions_are_people_organisations_and_places_not_adjectives(seeded_store):
    seeded_store.ingest_text(
        "Blinken spoke in Rome after meeting Israeli Foreign Minister Gideon Saar on Monday.",
        "rome",
        source="Rome Wire",
        published="2024-11-25",
    )
    _, profile = seeded_store.who("Saar")
    assert (profile.entity.label, profile.roles[0].role) == ("PERSON", "Israeli Foreign Minister")
    assert {e.name for e, _ in profile.related} == {"Antony Blinken", "Rome"}
