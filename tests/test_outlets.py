"""The outlet that published an article is its publisher, never its news."""

WIRE = """Israel and Hezbollah agree to talks

BEIRUT (Reuters) - Lebanese officials told Reuters on Monday that envoy Amos Hochstein would return to Beirut \
for talks with Parliament Speaker Nabih Berri on a ceasefire.
Hochstein told Reuters the talks were "the best chance" to end the fighting.
"""


def test_an_articles_own_outlet_is_not_one_of_its_entities(service):
    service.ingest_text(WIRE, "wire", source="Reuters", published="2024-10-21")
    briefing = service.brief("Hochstein")
    named = {e.name for e, _ in briefing.entities}
    assert "Amos Hochstein" in named and "Reuters" not in named
