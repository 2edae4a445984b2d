"""New views of the store: the /trend chart's numbers and PNG, OPML import and export, briefings as Atom."""

from __future__ import annotations

import socket
import struct

import feedparser
import pytest

from bot.chart import HEIGHT_PX, WIDTH_PX, trend_caption, trend_figure, trend_png
from service.app import InputError

FEEDLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Jane subscriptions in feedly Cloud</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="BBC World" title="BBC World" xmlUrl="https://feeds.example.org/bbc/world.xml"
               htmlUrl="https://www.example.org/news/world"/>
      <outline type="rss" text="Middle East" title="Middle East" xmlUrl="https://feeds.example.org/bbc/me.xml"/>
    </outline>
    <outline text="Tech" title="Tech">
      <outline type="rss" text="Ars" title="Ars" xmlUrl="https://feeds.example.net/ars.rss"/>
    </outline>
  </body>
</opml>"""

THUNDERBIRD = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0" xmlns:fz="urn:forumzilla:">
  <head><title>Thunderbird OPML Export - News &amp; Blogs</title>
    <dateCreated>Mon, 23 Nov 2026 10:00:00 GMT</dateCreated></head>
  <body>
    <outline title="Reuters" text="Reuters">
      <outline title="Top news" text="Top news" type="rss" version="RSS" fz:quickMode="false"
               xmlUrl="https://feeds.example.com/reuters/top" htmlUrl="https://www.example.com/"/>
      <outline title="Business" text="Business" type="rss" version="RSS" xmlUrl="https://feeds.example.com/reuters/biz"/>
    </outline>
  </body>
</opml>"""

NEWSBLUR = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="1.1">
  <head><title>NewsBlur Feeds</title></head>
  <body>
    <outline text="News" title="News">
      <outline text="Region" title="Region">
        <outline htmlUrl="https://example.info/" text="Example Info" title="Example Info" type="rss"
                 version="RSS" xmlUrl="https://example.info/feed/"/>
      </outline>
    </outline>
    <outline htmlUrl="https://blog.example.io/" text="A blog" title="A blog" type="rss" version="RSS"
             xmlUrl="https://blog.example.io/atom.xml"/>
  </body>
</opml>"""


@pytest.fixture
def feeds_service(tmp_path, nlp):
    """A service over an empty store with the real URL checks (private addresses refused)."""
    from service.app import Service

    return Service.open(tmp_path / "feeds.db", nlp=nlp)


@pytest.fixture
def public_resolver(monkeypatch):
    """Every host resolves to one public address: the URL checks run, and nothing is sent anywhere."""
    from service.sources import fetch as fetch_module

    monkeypatch.setattr(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 443))],
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_trend_counts_come_from_the_store(seeded_store):
    trend = seeded_store.trend("gaza", 10)
    assert len(trend.days) == 10 and trend.days[-1] == "2024-10-22" and len(trend.series) == 5
    db = seeded_store.db
    published = {row[0]: row[1] for row in db.execute("SELECT id, substr(published_at, 1, 10) FROM articles")}
    matching = seeded_store.brief("gaza", length="long").article_ids
    assert trend.articles == [sum(1 for a in matching if published[a] == day) for day in trend.days]
    entity, counts = trend.series[0]
    per_day = dict(
        db.execute(
            "SELECT substr(a.published_at, 1, 10), count(*) FROM mentions m JOIN articles a ON a.id = m.article_id "
            f"WHERE m.entity_id = ? AND m.article_id IN ({', '.join(map(str, matching))}) GROUP BY 1",
            [entity.id],
        )
    )
    assert counts == [per_day.get(day, 0) for day in trend.days]
    assert set(trend.timeline_days) <= set(trend.days) and trend.timeline_days


def test_the_chart_is_a_png_of_the_promised_size(seeded_store):
    trend = seeded_store.trend("gaza", 10)
    assert png_size(trend_png(trend)) == (WIDTH_PX, HEIGHT_PX) and WIDTH_PX <= 1280
    assert trend_caption(trend).startswith("gaza, 13 Oct – 22 Oct 2024: ")


def test_trend_without_a_number_shows_the_latest_stretch_of_coverage(seeded_store):
    trend = seeded_store.trend("gaza")  # the seeds: January, February, then 21 and 22 October
    assert (trend.days[0], trend.days[-1], len(trend.days)) == ("2024-10-16", "2024-10-22", 7)
    assert sum(trend.articles) == 3


def test_trend_marks_key_dates_only_on_days_with_articles(seeded_store):
    trend = seeded_store.trend("gaza", 60)
    marked = {day: trend.articles[trend.days.index(day)] for day in trend.timeline_days}
    assert marked and all(n > 0 for n in marked.values())


def test_trend_axes_count_in_whole_numbers_and_show_only_the_periods_dates(seeded_store):
    figure = trend_figure(seeded_store.trend("gaza", 10))
    articles_axis, mentions_axis = figure.axes
    figure.canvas.draw()
    for axis in (articles_axis, mentions_axis):
        assert all(float(t).is_integer() for t in axis.get_yticks())
    assert articles_axis.xaxis.get_offset_text().get_text() == ""


def test_a_trend_caption_over_a_year_names_both_years(seeded_store):
    assert trend_caption(seeded_store.trend("gaza", 366)).startswith("gaza, 23 Oct 2023 – 22 Oct 2024: ")


@pytest.mark.parametrize(
    "days, message",
    [
        ("1", "The number of days must be between 2 and 366, not 1"),
        ("lots", "The number of days must be a whole number, not 'lots'"),
    ],
)
def test_bad_trend_days_get_one_line(seeded_store, days, message):
    with pytest.raises(InputError, match=message):
        seeded_store.trend("gaza", days)


@pytest.mark.parametrize(
    "opml, urls",
    [
        (
            FEEDLY,
            {
                "https://feeds.example.org/bbc/world.xml",
                "https://feeds.example.org/bbc/me.xml",
                "https://feeds.example.net/ars.rss",
            },
        ),
        (THUNDERBIRD, {"https://feeds.example.com/reuters/top", "https://feeds.example.com/reuters/biz"}),
        (NEWSBLUR, {"https://example.info/feed", "https://blog.example.io/atom.xml"}),
    ],
)
def test_other_readers_exports_import_and_round_trip(feeds_service, tmp_path, nlp, public_resolver, opml, urls):
    from service.app import Service

    report = feeds_service.import_feeds(opml)
    assert (set(report.added), report.already, report.refused) == (urls, [], [])
    assert set(feeds_service.import_feeds(opml).already) == urls  # a second import adds nothing
    exported = feeds_service.export_feeds()
    assert exported.count(b'type="rss"') == len(urls) and exported.count(b"xmlUrl=") == len(urls)
    titles = {f.title for f in feeds_service.feeds()}
    assert None not in titles and all(t.encode() in exported for t in titles)  # the list's titles, not URLs
    other = Service.open(tmp_path / "other.db", nlp=nlp)
    assert set(other.import_feeds(exported).added) == urls == {f.url for f in other.feeds()}


def test_an_opml_feed_the_url_checks_refuse_is_named_and_the_rest_added(feeds_service, monkeypatch):
    from service.sources import fetch as fetch_module

    def resolve(host, port, *a, **k):
        address = "10.0.0.5" if host == "intranet.example.com" else "93.184.216.34"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)
    opml = FEEDLY.replace(b"https://feeds.example.net/ars.rss", b"http://intranet.example.com/feed")
    report = feeds_service.import_feeds(opml)
    assert len(report.added) == 2 and [u for u, _ in report.refused] == ["http://intranet.example.com/feed"]
    assert "10.0.0.5" in report.refused[0][1]


@pytest.mark.parametrize(
    "encoding, title",
    [
        ("Shift_JIS", "日本のニュース"),
        ("ISO-2022-JP", "日本のニュース"),
        ("GB18030", "新闻"),
        ("Big5", "新聞"),
        ("EUC-KR", "뉴스"),
        ("UTF-16", "Новости"),
    ],
)
def test_a_subscription_list_in_any_encoding_python_knows_imports(feeds_service, public_resolver, encoding, title):
    opml = (
        f'<?xml version="1.0" encoding="{encoding}"?><opml version="2.0"><body>'
        f'<outline text="{title}" xmlUrl="https://feeds.example.jp/news.rdf"/></body></opml>'
    )
    report = feeds_service.import_feeds(opml.encode(encoding))
    assert (report.added, report.refused) == (["https://feeds.example.jp/news.rdf"], [])


def test_one_feed_spelt_several_ways_is_one_feed(feeds_service, public_resolver):
    spellings = [
        "https://News.Example.com/dup",
        "https://news.example.com/dup/",
        "https://news.example.com/dup#top",
        "HTTPS://news.example.com:443/dup",
    ]
    outlines = "".join(f'<outline text="d" xmlUrl="{url}"/>' for url in spellings)
    report = feeds_service.import_feeds(f"<opml version='2.0'><body>{outlines}</body></opml>".encode())
    assert (report.added, report.already) == (["https://news.example.com/dup"], [])
    assert feeds_service.add_feed("https://news.example.com/dup/")[1] is False
    assert feeds_service.remove_feed("https://NEWS.example.com/dup#x") is True
    assert feeds_service.feeds() == []


def test_the_store_polls_at_most_so_many_feeds(feeds_service, public_resolver):
    from service.feed_urls import MAX_FEEDS

    outlines = "".join(f'<outline text="f" xmlUrl="https://feeds.example.org/{n}.xml"/>' for n in range(MAX_FEEDS + 10))
    report = feeds_service.import_feeds(f"<opml version='2.0'><body>{outlines}</body></opml>".encode())
    assert (len(report.added), len(report.refused)) == (MAX_FEEDS, 10)
    assert report.refused[0] == (
        f"https://feeds.example.org/{MAX_FEEDS}.xml",
        f"the store polls at most {MAX_FEEDS} feeds",
    )
    with pytest.raises(InputError, match=f"The store polls at most {MAX_FEEDS} feeds."):
        feeds_service.add_feed("https://feeds.example.org/one-more.xml")


def test_the_feed_list_comes_in_pages(feeds_service, public_resolver):
    for n in range(45):
        feeds_service.add_feed(f"https://feeds.example.org/{n}.xml")
    pages = [feeds_service.feed_page(n) for n in (None, "2", "3", "9")]
    assert [(p.page, p.pages, len(p.feeds)) for p in pages] == [(1, 3, 20), (2, 3, 20), (3, 3, 5), (3, 3, 5)]
    with pytest.raises(InputError, match=r"A page is a whole number from 1, not 'x'\."):
        feeds_service.feed_page("x")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "the file is empty"),
        (b"<html><body>not a list</body></html>", "its root element is <html>, not <opml>"),
        (b"<opml version='2.0'><body><outline text='folder only'/></body></opml>", "the file lists no feeds"),
        (b"<opml><body><outline text='x' xmlUrl='https://a.example/f'></body>", "not an OPML subscription list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an OPML subscription list"),
        (b'<?xml version="1.0" encoding="x-klingon"?><opml/>', "its encoding 'x-klingon' is not one I know"),
        (b'<?xml version="1.0" encoding="utf-8"?><opml>\xff\xfe</opml>', "(not valid utf-8 text)"),
        (
            b'<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><opml>&b;</opml>',
            "the file declares XML entities",
        ),
    ],
)
def test_a_malformed_opml_file_gets_one_line_and_imports_nothing(feeds_service, public_resolver, data, reason):
    with pytest.raises(InputError) as error:
        feeds_service.import_feeds(data)
    assert reason in str(error.value) and "\n" not in str(error.value)
    assert feeds_service.feeds() == []


def test_a_briefing_as_an_atom_feed_parses_and_keeps_the_links(seeded_store):
    for n, (outlet, day) in enumerate((("Harbour Post", "2024-10-20"), ("Coast Radio", "2024-10-21"))):
        text = (
            f"The Portmere harbour authority said the ferry terminal will open in March, {outlet} reported. "
            f"Dredging costs rose by a third this year, officials said on day {n + 1}. "
        ) * 2
        seeded_store.ingest_text(
            text,
            f"t{n}",
            title="Portmere ferry",
            source=outlet,
            published=day,
            url=f"https://news.example/portmere-{n}",
        )
    briefing = seeded_store.brief("Portmere", length="long")
    parsed = feedparser.parse(seeded_store.briefing_feed("Portmere"))
    assert not parsed.bozo and parsed.feed.title == "briefbot: Portmere"
    assert [e.content[0].value for e in parsed.entries] == [
        i.text for i in sorted(briefing.shown, key=lambda i: i.citations[0].published_at, reverse=True)
    ]
    wanted = {c.url for i in briefing.shown for c in i.citations if c.url}
    found = {link.href for e in parsed.entries for link in e.get("links", [])}
    assert wanted and wanted <= found


def test_characters_xml_forbids_are_cleaned_at_ingest(seeded_store):
    text = "The Portmere harbour authority said the ferry terminal will open in March.\ufffe " * 3
    seeded_store.ingest_text(
        text, "t", title="Portmere\uffff ferry", source="Harbour\x07 Post\x00", published="2024-10-20"
    )
    assert seeded_store.db.execute("SELECT source FROM articles WHERE id = 6").fetchone() == ("Harbour Post",)
    parsed = feedparser.parse(seeded_store.briefing_feed("Portmere"))
    assert not parsed.bozo and parsed.entries[0].author == "Harbour Post"


def test_one_article_stored_with_forbidden_characters_does_not_break_the_feed(seeded_store):
    seeded_store.db.execute("UPDATE articles SET source = 'VOA\x01\x1b', url = 'https://x.example/\x0b' WHERE id = 1")
    seeded_store.db.execute("UPDATE sentences SET text = text || '\ufffe' WHERE article_id = 1")
    parsed = feedparser.parse(seeded_store.briefing_feed("gaza"))
    assert not parsed.bozo and parsed.entries
    assert "VOA" in {e.author for e in parsed.entries}


def test_no_feed_for_a_topic_with_nothing(seeded_store):
    with pytest.raises(InputError, match="No stored articles match"):
        seeded_store.briefing_feed("curling")
