"""URLs and feeds against a local HTTP server: pages, RSS, Atom, JSON Feed, errors, limits, SSRF."""

import time

import pytest
from werkzeug.wrappers import Response

from service.sources.fetch import FetchError, FetchPolicy, check_address
from storage import articles as store
from tests.conftest import SEED
from tests.rawhttp import page as raw_page
from tests.rawhttp import raw_server, trickle

ARTICLE = SEED["003"].read_text()


def page(title: str, body: str, date: str = "2024-01-09") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n") if p)
    return (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}'></head>"
        f"<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright 2024</footer></body></html>"
    )


def rss(server, entries) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>{server.url_for(path)}</link><pubDate>{d}</pubDate>"
        f"<description>{desc}</description></item>"
        for t, path, d, desc in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local News</title>{items}</channel></rss>'


def test_web_page_article_is_extracted(service, httpserver):
    httpserver.expect_request("/story").respond_with_data(page("Blinken in Israel", ARTICLE), content_type="text/html")
    report = service.ingest([httpserver.url_for("/story")])
    assert report.items[0].status == "new"
    article = store.get_article(service.db, 1)
    assert (article.title, article.published_at, article.url) == (
        "Blinken in Israel",
        "2024-01-09",
        httpserver.url_for("/story"),
    )
    texts = [r[0] for r in service.db.execute("SELECT text FROM sentences")]
    assert not any("Home | World" in t or "Copyright" in t for t in texts)


def test_rss_feed_entries_are_fetched_in_full_and_dated(service, httpserver):
    httpserver.expect_request("/a").respond_with_data(page("A", ARTICLE), content_type="text/html")
    httpserver.expect_request("/b").respond_with_data(page("B", SEED["001"].read_text()), content_type="text/html")
    feed = rss(
        httpserver,
        [
            ("A", "/a", "Tue, 09 Jan 2024 10:00:00 GMT", "teaser"),
            ("B", "/b", "Mon, 21 Oct 2024 08:00:00 GMT", "teaser"),
        ],
    )
    httpserver.expect_request("/rss").respond_with_data(feed, content_type="application/rss+xml")
    report = service.ingest([httpserver.url_for("/rss")])
    assert [i.status for i in report.items] == ["new", "new"]
    rows = service.db.execute("SELECT title, source, published_at FROM articles ORDER BY id").fetchall()
    assert rows == [("A", "Local News", "2024-01-09T10:00:00"), ("B", "Local News", "2024-10-21T08:00:00")]


def test_atom_feed_with_full_content(service, httpserver):
    body = "".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in ARTICLE.split("\n"))
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>'
        f'<entry><title>Urgent talks</title><link href="http://example.invalid/x"/><updated>2024-01-09T12:00:00Z</updated>'
        f'<content type="html">{body}</content></entry></feed>'
    )
    httpserver.expect_request("/atom").respond_with_data(atom, content_type="application/atom+xml")
    report = service.ingest([httpserver.url_for("/atom")])
    assert [i.status for i in report.items] == ["new"]
    assert store.get_article(service.db, 1).source == "Atom Wire"


def test_json_feed(service, httpserver):
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Wire",
        "items": [
            {
                "id": "1",
                "url": "http://example.invalid/1",
                "title": "Talks",
                "content_text": ARTICLE,
                "date_published": "2024-01-09T00:00:00Z",
            }
        ],
    }
    httpserver.expect_request("/feed.json").respond_with_json(feed, content_type="application/feed+json")
    report = service.ingest([httpserver.url_for("/feed.json")])
    assert [i.status for i in report.items] == ["new"]


@pytest.mark.parametrize(
    "path, respond, reason",
    [
        ("/missing", dict(response_data="nope", status=404), "HTTP 404"),
        ("/image", dict(response_data=b"\x89PNG", content_type="image/png"), "unsupported content type 'image/png'"),
        (
            "/bad.xml",
            dict(response_data="<?xml version='1.0'?><rss><channel><item>", content_type="application/rss+xml"),
            "not a valid RSS or Atom feed",
        ),
        (
            "/notxml",
            dict(response_data="hello, this is not a feed", content_type="application/rss+xml"),
            "not a valid RSS or Atom feed",
        ),
        ("/huge", dict(response_data="x" * 300_000, content_type="text/html"), "response too large"),
        ("/empty", dict(response_data="<html><body></body></html>", content_type="text/html"), "no article text found"),
    ],
)
def test_bad_urls_fail_with_a_reason_and_the_batch_goes_on(service, httpserver, path, respond, reason):
    httpserver.expect_request(path).respond_with_data(**respond)
    report = service.ingest([httpserver.url_for(path), str(SEED["003"])])
    assert report.items[0].status == "failed" and reason in report.items[0].reason
    assert report.items[-1].status == "new"


def test_url_that_times_out(service, httpserver):
    def slow(request):
        time.sleep(3)
        return Response("late", content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    report = service.ingest([httpserver.url_for("/slow")])
    assert (report.items[0].status, report.items[0].reason) == ("failed", "timed out after 2 s")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://localhost:8080/x", "http://10.1.2.3/", "http://169.254.169.254/latest"]
)
def test_private_addresses_are_refused_by_default(url):
    with pytest.raises(FetchError, match="private address"):
        check_address(url, FetchPolicy())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x"])
def test_only_http_urls(url):
    with pytest.raises(FetchError, match="only http and https"):
        check_address(url, FetchPolicy(allow_private=True))


def test_feed_polling_uses_conditional_requests(service, httpserver):
    feed = rss(httpserver, [("A", "/a", "Tue, 09 Jan 2024 10:00:00 GMT", ARTICLE.replace("<", " "))])
    seen = []

    def handler(request):
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(feed, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/rss").respond_with_handler(handler)
    service.add_feed(httpserver.url_for("/rss"))
    first = service.poll_feeds()
    second = service.poll_feeds()
    assert seen == [None, '"v1"']
    assert (first[0].status, second[0].status) == ("ok: 1 new, 0 duplicate, 0 near-duplicate, 0 failed", "not modified")
    assert service.stats()["last_feed_poll"] is not None


@pytest.mark.parametrize(
    "address",
    [
        "100.100.100.200",
        "100.64.0.1",
        "169.254.169.254",
        "::ffff:127.0.0.1",
        "2002:7f00:1::1",
        "fd00::1",
        "0.0.0.0",
        # IPv6 forms that reach IPv4 or were never global: NAT64 (well-known and local-use), IPv4-compatible,
        # IPv4-translated (SIIT), site-local.
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:1",
        "::7f00:1",
        "::a9fe:a9fe",
        "::ffff:0:7f00:1",
        "fec0::1",
        "feff::1",
    ],
)
def test_names_resolving_to_non_global_addresses_are_refused(monkeypatch, address):
    # A resolver we control: no packet is sent anywhere, the check refuses before connecting.
    import socket

    from service.sources import fetch as fetch_module

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, port))],
    )
    with pytest.raises(FetchError, match="private address"):
        check_address("http://metadata.example/latest", FetchPolicy())


def test_json_feed_items_with_wrong_types_fail_alone(service):
    from service.sources.web import parse_feed

    good = "The council approved the new budget on Monday after a long debate about schools. " * 6
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Local",
        "items": [
            {"id": "1", "content_text": 12345},
            {"id": "2", "url": 42, "content_text": good},
            {"id": "3", "title": ["a"], "content_text": good},
            "junk",
            {"id": "4", "content_text": good, "title": "Budget approved"},
        ],
    }
    import json

    items = parse_feed(json.dumps(feed).encode(), "https://local.example/feed.json", FetchPolicy()).items
    reasons = [getattr(i, "reason", None) for i in items]
    assert reasons[:4] == [
        "field 'content_text' must be a string, not int",
        "field 'url' must be a string, not int",
        "field 'title' must be a string, not list",
        "feed item is not a JSON object",
    ]
    assert items[4].title == "Budget approved"


def test_json_feed_without_an_items_list_is_a_failure():
    from service.sources.web import parse_feed

    items = parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": {"a": 1}}', "u", FetchPolicy()).items
    assert [i.reason for i in items] == ["JSON Feed has no 'items' list"]


def test_jsonl_line_with_a_wrong_typed_field_fails_alone(service, tmp_path):
    text = "Officials in the capital said the new bridge would open in spring after repairs were finished. " * 3
    path = tmp_path / "batch.jsonl"
    import json

    path.write_text(
        "\n".join(
            json.dumps(o)
            for o in [
                {"text": text, "url": 42},
                {"text": text + " Second.", "source": ["x"]},
                {"text": text + " Third story.", "title": "Bridge", "source": "City Desk"},
            ]
        ),
        "utf-8",
    )
    report = service.ingest([str(path)])
    assert [(i.status, i.reason) for i in report.items] == [
        ("failed", "field 'url' must be a string, not int"),
        ("failed", "field 'source' must be a string, not list"),
        ("new", ""),
    ]


def test_a_feed_on_a_private_address_is_refused_when_added(db, nlp):
    from service.app import InputError, Service

    service = Service(db, nlp, FetchPolicy())  # private addresses not allowed
    with pytest.raises(InputError, match="private address"):
        service.add_feed("http://127.0.0.1:9/rss.xml")
    assert service.feeds() == []


def test_the_vetted_address_is_the_one_connected_to(monkeypatch):
    # DNS rebinding: the name answers with a public address first and loopback next. The fetch resolves once and
    # connects to the vetted address; the connection is recorded and refused here, so no packet leaves the host.
    import socket

    import httpcore._backends.sync as sync_backend

    from service.sources import fetch as fetch_module

    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    monkeypatch.setattr(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))],
    )
    connected = []

    def record(address, *args, **kwargs):
        connected.append(address[0])
        raise OSError("refused by the test")

    monkeypatch.setattr(sync_backend.socket, "create_connection", record)
    with pytest.raises(FetchError, match="connection failed"):
        fetch_module.fetch("http://rebind.example/page", FetchPolicy(timeout=2))
    assert connected == ["93.184.216.34"]


def test_a_trickling_server_is_cut_off_at_the_deadline(httpserver):
    from service.sources.fetch import fetch
    from tests.conftest import trickling

    httpserver.expect_request("/slow").respond_with_handler(trickling(30))
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 2 s"):
        fetch(httpserver.url_for("/slow"), FetchPolicy(timeout=2, allow_private=True))
    assert time.monotonic() - start < 4


def test_a_broken_feed_is_recorded_and_polling_goes_on(service, httpserver, monkeypatch):
    from service.sources import web

    feed = rss(httpserver, [("A", "/a", "Tue, 09 Jan 2024 10:00:00 GMT", ARTICLE.replace("<", " "))])
    httpserver.expect_request("/broken").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/good").respond_with_data(feed, content_type="application/rss+xml")
    real = web.parse_feed

    def parse(body, url, policy, budget=None):
        if url.endswith("/broken"):
            raise TypeError("unexpected field type")
        return real(body, url, policy, budget)

    monkeypatch.setattr(web, "parse_feed", parse)
    service.add_feed(httpserver.url_for("/broken"))
    service.add_feed(httpserver.url_for("/good"))
    polls = service.poll_feeds()
    assert [p.status for p in polls] == [
        "error: TypeError: unexpected field type",
        "ok: 1 new, 0 duplicate, 0 near-duplicate, 0 failed",
    ]
    assert service.stats()["last_feed_poll"] is not None


def test_a_poll_completes_only_so_many_teasers_from_their_pages(service, httpserver, monkeypatch):
    from service import feeds

    monkeypatch.setattr(feeds, "MAX_PAGES_PER_POLL", 2)
    entries = []
    for n in range(4):
        httpserver.expect_request(f"/p{n}").respond_with_data(
            page(f"P{n}", SEED[f"00{n}"].read_text()), content_type="text/html"
        )
        entries.append((f"P{n}", f"/p{n}", "Tue, 09 Jan 2024 10:00:00 GMT", ""))
    httpserver.expect_request("/rss").respond_with_data(rss(httpserver, entries), content_type="application/rss+xml")
    service.add_feed(httpserver.url_for("/rss"))
    [poll] = service.poll_feeds()
    assert [(i.status, i.reason) for i in poll.report.items][2:] == [
        ("failed", "page not fetched: this poll's limit of pages or time was reached")
    ] * 2
    assert [i.status for i in poll.report.items][:2] == ["new", "new"]


def _headers_a_byte_at_a_time(conn, path):
    trickle(conn, raw_page(), 0.1)


def _processing_forever(conn, path):
    while True:
        conn.sendall(b"HTTP/1.1 102 Processing\r\n\r\n")
        time.sleep(0.05)


def _slow_redirects(conn, path):
    hop = int(path.strip("/") or 0)
    time.sleep(0.6)
    if hop < 3:
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: /{hop + 1}\r\nContent-Length: 0\r\n\r\n".encode())
    else:
        conn.sendall(raw_page())


@pytest.mark.parametrize(
    "script",
    [_headers_a_byte_at_a_time, _processing_forever, _slow_redirects],
    ids=["headers trickled", "102 Processing forever", "three slow redirects"],
)
def test_one_deadline_covers_the_whole_fetch(script):
    from service.sources.fetch import fetch

    with raw_server(script) as base:
        start = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 1\.5 s"):
            fetch(base + "/", FetchPolicy(timeout=1.5, allow_private=True))
        assert time.monotonic() - start < 2.5


def test_a_resolver_that_never_answers_is_a_timeout(monkeypatch):
    from service.sources import fetch as fetch_module

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", lambda *a, **k: time.sleep(5))
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s"):
        fetch_module.fetch("http://slow-resolver.example/", FetchPolicy(timeout=1))
    assert time.monotonic() - start < 2


def test_feeds_are_polled_side_by_side_so_slow_hosts_do_not_add_up(db, nlp, httpserver):
    from service.app import Service

    service = Service(db, nlp, FetchPolicy(timeout=1.5, allow_private=True))
    feed = rss(httpserver, [("A", "/a", "Tue, 09 Jan 2024 10:00:00 GMT", ARTICLE.replace("<", " "))])
    httpserver.expect_request("/good").respond_with_data(feed, content_type="application/rss+xml")
    with raw_server(_processing_forever) as slow:
        for n in range(3):
            service.add_feed(f"{slow}/slow{n}")
        service.add_feed(httpserver.url_for("/good"))
        start = time.monotonic()
        polls = service.poll_feeds()
        elapsed = time.monotonic() - start
    assert [p.status for p in polls] == ["error: timed out after 1.5 s"] * 3 + [
        "ok: 1 new, 0 duplicate, 0 near-duplicate, 0 failed"
    ]
    assert elapsed < 3.5


def test_an_internationalised_domain_name_is_fetched_under_its_ascii_form(monkeypatch):
    import socket

    from service.sources import fetch as fetch_module

    looked_up = []

    def resolve(host, port, *a, **k):
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    def script(conn, path):
        conn.sendall(raw_page())

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)
    with raw_server(script) as base:
        port = base.rsplit(":", 1)[1]
        response = fetch_module.fetch(
            f"http://Bücher.example:{port}/Straße", FetchPolicy(timeout=2, allow_private=True)
        )
    assert (response.status, looked_up[0]) == (200, "xn--bcher-kva.example")  # then 127.0.0.1, to connect
    assert response.url == f"http://xn--bcher-kva.example:{port}/Straße"
