"""Properties where the attacks are: the address check, the fetch deadline, OPML, Atom, stored dates, digest slots
across DST, and button payloads. Each holds for every case Hypothesis generates, not only for the examples."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import time
from datetime import UTC, date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo, available_timezones

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import chart, render
from service.app import InputError, Service
from service.atom import briefing_atom
from service.digests import last_scheduled, next_scheduled, slot_for
from service.results import Briefing, BriefItem, Citation
from service.sources import fetch as fetch_module
from service.sources.fetch import FetchError, FetchPolicy, check_address
from storage.db import open_database
from storage.records import Chat
from tests.rawhttp import page, raw_server


def cases(examples: int):
    """This many generated cases, no per-case deadline (the machine is shared), fixtures shared across cases."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def resolving_to(address: str):
    """A fake resolver answering every name with ``address``: the check runs, nothing is sent anywhere."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return mock.patch.object(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, port))],
    )


# -- The address check ---------------------------------------------------------------------------------------------

NOT_GLOBAL_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
NOT_GLOBAL_V6 = [
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "2001:db8::/32",
    "100::/64",
    "2001::/23",
]


def in_network(network: str) -> st.SearchStrategy[str]:
    net = ipaddress.ip_network(network)
    return st.integers(0, net.num_addresses - 1).map(lambda n: str(net.network_address + n))


PRIVATE_V4 = st.sampled_from(NOT_GLOBAL_V4).flatmap(in_network)


def embedded(v4: str) -> st.SearchStrategy[str]:
    """Every IPv6 form that carries an IPv4 address."""
    n = int(ipaddress.IPv4Address(v4))
    return st.sampled_from(
        [
            str(ipaddress.IPv6Address((0xFFFF << 32) | n)),  # ::ffff:a.b.c.d (mapped)
            str(ipaddress.IPv6Address(n)),  # ::a.b.c.d (compatible)
            str(ipaddress.IPv6Address((0xFFFF << 48) | n)),  # ::ffff:0:a.b.c.d (translated)
            str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80))),  # 6to4
            str(ipaddress.IPv6Address((0x64FF9B << 96) | n)),  # NAT64 well-known
            str(ipaddress.IPv6Address((0x64FF9B0001 << 80) | n)),  # NAT64 local-use
            str(ipaddress.IPv6Address((0x20010000 << 96) | (~n & 0xFFFFFFFF))),  # Teredo (client address inverted)
        ]
    )


HOSTILE = st.one_of(
    PRIVATE_V4,
    st.sampled_from(NOT_GLOBAL_V6).flatmap(in_network),
    PRIVATE_V4.flatmap(embedded),
)


@cases(400)
@given(HOSTILE)
def test_no_address_that_is_not_globally_routable_passes_the_check(address):
    with resolving_to(address), pytest.raises(FetchError, match="private address"):
        check_address("http://any.example/feed", FetchPolicy())


@cases(200)
@given(st.integers(1, 2**32 - 1).map(lambda n: ipaddress.IPv4Address(n)))
def test_an_ipv4_address_passes_exactly_when_it_is_global(address):
    expected = (
        address.is_global
        and not address.is_multicast
        and not any(address in ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24"))
    )
    with resolving_to(str(address)):
        try:
            check_address("http://any.example/feed", FetchPolicy())
            passed = True
        except FetchError:
            passed = False
    assert passed == expected


# -- The fetch deadline --------------------------------------------------------------------------------------------

STEP = st.sampled_from(["byte", "interim", "redirect", "chunk"])


@cases(12)
@given(st.lists(st.tuples(STEP, st.floats(0.0, 0.3)), min_size=1, max_size=40))
def test_every_fetch_ends_within_its_deadline_plus_a_second(steps):
    def script(conn, path):
        if path != "/":
            conn.sendall(page())
            return
        for step, pause in steps:
            time.sleep(pause)
            if step == "byte":
                conn.sendall(b" ")  # leading whitespace before the status line: a trickle h11 must wait through
            elif step == "interim":
                conn.sendall(b"HTTP/1.1 102 Processing\r\n\r\n")
            elif step == "redirect":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n")
                return
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>part</p>")
                return
        conn.sendall(page())

    with raw_server(script) as base:
        start = time.monotonic()
        try:
            fetch_module.fetch(base + "/", FetchPolicy(timeout=1.0, allow_private=True))
        except FetchError:
            pass
        assert time.monotonic() - start < 2.0


# -- OPML ----------------------------------------------------------------------------------------------------------

ENCODINGS = st.sampled_from(["utf-8", "utf-16", "shift_jis", "gb18030", "big5", "latin-1", "cp1252", "euc-kr"])
TEXT = st.text(max_size=30)
OUTLINE = st.tuples(
    TEXT,
    st.one_of(
        TEXT, st.just("https://feeds.example.org/a.xml"), st.just("http://127.0.0.1/x"), st.just("javascript:alert(1)")
    ),
)
HOSTILE_OPML = st.sampled_from(
    [
        b'<!DOCTYPE opml [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><opml><body>&b;</body></opml>',
        b'<!DOCTYPE opml SYSTEM "http://evil.example/x.dtd"><opml/>',
        b'<?xml version="1.0" encoding="x-unknown"?><opml/>',
        b'<opml><body><outline xmlUrl="https://a.example/f"',
        b"\xff\xfe\x00<",
        b"<opml>" * 5000,
    ]
)


def opml_document(outlines, encoding: str) -> bytes:
    from xml.sax.saxutils import quoteattr

    body = "".join(f"<outline text={quoteattr(t)} xmlUrl={quoteattr(u)}/>" for t, u in outlines)
    text = f'<?xml version="1.0" encoding="{encoding}"?><opml version="2.0"><body>{body}</body></opml>'
    return text.encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def feed_store(tmp_path_factory, nlp):
    service = Service(open_database(tmp_path_factory.mktemp("opml") / "feeds.db"), nlp, FetchPolicy())
    yield service
    service.close()


@cases(150)
@given(
    st.one_of(
        st.tuples(st.lists(OUTLINE, max_size=8), ENCODINGS).map(lambda p: opml_document(*p)),
        HOSTILE_OPML,
        st.binary(max_size=300),
    )
)
def test_any_opml_file_imports_or_is_refused_with_one_line(feed_store, data):
    with resolving_to("93.184.216.34"):
        try:
            report = feed_store.import_feeds(data)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
    assert all(reason and "\n" not in reason for _, reason in report.refused)
    assert set(report.added) | set(report.already) <= {f.url for f in feed_store.feeds()}


# -- Atom ----------------------------------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=80) | st.text(min_size=1, max_size=40)
ANY_DATE = st.one_of(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)).map(lambda d: d.isoformat(timespec="seconds")),
    st.text(max_size=12),
)


@cases(200)
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT, ANY_DATE, st.none() | ANY_TEXT), min_size=1, max_size=4), ANY_TEXT)
def test_any_stored_text_outlet_and_date_makes_a_feed_that_parses(items, topic):
    briefing = Briefing(
        topic=topic,
        items=[
            BriefItem(n, text, [Citation(outlet, day, url, n, "t")], n)
            for n, (text, outlet, day, url) in enumerate(items)
        ],
    )
    parsed = feedparser.parse(briefing_atom(briefing))
    assert not parsed.bozo, parsed.bozo_exception


# -- Stored dates --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated_store(seeded_path, tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("dates") / "dates.db"
    shutil.copy(seeded_path, path)
    service = Service(open_database(path), nlp)
    yield service
    service.close()


@cases(40)
@given(
    st.lists(
        st.one_of(
            st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
            st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)).map(
                lambda d: d.isoformat(timespec="seconds")
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_stored_date_renders_in_every_view(dated_store, days):
    for article_id, day in enumerate(days, 1):
        dated_store.db.execute("UPDATE articles SET published_at = ? WHERE id = ?", [day, article_id])
        dated_store.db.execute(
            "UPDATE OR IGNORE sentence_dates SET day = ? WHERE article_id = ?", [day[:10], article_id]
        )
    render.briefing(dated_store.brief("gaza"))
    render.timeline(dated_store.timeline("gaza"))
    trend = dated_store.trend("gaza")
    chart.trend_caption(trend)
    chart.trend_png(trend)
    _lookup, profile = dated_store.who("Blinken")
    assert profile is not None and render.profile(profile)


# -- Digest slots across DST ---------------------------------------------------------------------------------------

ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
)


def transition_days(zone: ZoneInfo, year: int) -> list[date]:
    """The days of ``year`` on which ``zone`` changes its UTC offset (DST or otherwise)."""
    days = []
    day = date(year, 1, 1)
    offset = datetime.combine(day, datetime.min.time(), zone).utcoffset()
    while day.year == year:
        day += timedelta(days=1)
        new = datetime.combine(day, datetime.min.time(), zone).utcoffset()
        if new != offset:
            days.append(day - timedelta(days=1))
            offset = new
    return days


@cases(150)
@given(st.sampled_from(ZONES), st.integers(0, 23), st.integers(0, 59), st.integers(2024, 2030), st.data())
def test_one_slot_per_local_day_and_never_before_its_time(zone_name, hh, mm, year, data):
    zone = ZoneInfo(zone_name)
    chat = Chat(id=1, timezone=zone_name, digest_time=f"{hh:02d}:{mm:02d}", length="medium", active=True)
    around = data.draw(st.sampled_from(transition_days(zone, year) or [date(year, 6, 1)]))
    fire = next_scheduled(chat, datetime.combine(around - timedelta(days=2), datetime.min.time(), zone))
    slots = []
    for _ in range(5):
        scheduled = last_scheduled(chat, fire)
        assert scheduled.astimezone(UTC) <= fire.astimezone(UTC)  # never before its time
        slots.append(slot_for(chat, scheduled))
        fire = next_scheduled(chat, fire)  # as each digest job schedules the next
    days = [date.fromisoformat(slot[:10]) for slot in slots]
    assert days == [days[0] + timedelta(days=n) for n in range(5)]  # one slot per local day, none skipped
    # A restart at any moment finds a slot that is already due, never one still ahead.
    moment = data.draw(
        st.datetimes(
            datetime.combine(around, datetime.min.time()),
            datetime.combine(around + timedelta(days=1), datetime.min.time()),
        )
    )
    now = moment.replace(tzinfo=UTC)
    assert last_scheduled(chat, now).astimezone(UTC) <= now


# -- Button payloads -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def button_store(tmp_path_factory):
    service = Service(open_database(tmp_path_factory.mktemp("buttons") / "buttons.db"))
    tokens = service.button_tokens(1, [("changes", "private query of chat 1"), ("who", "5")])
    yield service, tokens
    service.close()


@cases(300)
@given(st.integers(-(2**52), 2**52).filter(lambda c: c != 1), st.text(max_size=70), st.booleans())
def test_a_button_pressed_elsewhere_never_shows_another_chats_action(button_store, other_chat, data, reuse):
    from bot.buttons import action_token, payload

    service, tokens = button_store
    if reuse:
        data = payload(tokens[len(data) % len(tokens)])  # a real token of chat 1, pressed from another chat
    token = action_token(data)
    assert token is None or service.button_action(other_chat, token) is None
    assert [service.button_action(1, t).value for t in tokens] == ["private query of chat 1", "5"]
