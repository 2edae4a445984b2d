"""Fuzzing with Hypothesis: random types and bytes in files, JSONL lines, feeds, settings, topics, names, commands
and button data. Whatever comes in: no unhandled exception, one line of reason per bad input, the good items next to
bad ones kept, and a database that passes SQLite's and FTS5's integrity checks."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import render
from bot.settings import SettingsError, load_settings
from service.app import InputError, Service
from service.sources.fetch import FetchBudget, FetchPolicy
from service.sources.files import read_jsonl
from service.sources.raw import RawArticle, decode_text
from service.sources.web import parse_feed
from storage.db import open_database

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["text", "title", "url", "published", "date", "source", "body", "content"]
GOOD_TEXT = "The harbour authority said on Monday that the new ferry terminal would open in the spring. " * 3
HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def fast(examples: int):
    """Settings for a fuzz test: this many generated cases, no per-case deadline (the machine is shared)."""
    return settings(deadline=None, max_examples=examples, suppress_health_check=HEALTH)


@pytest.fixture
def bot_settings_factory(seeded_path, tmp_path):
    from bot.settings import Settings

    def make(double):
        path = tmp_path / "fuzz-bot.db"
        shutil.copy(seeded_path, path)
        return Settings(
            token="123456:TEST",
            db_path=str(path),
            admin_ids=frozenset({42}),
            bot_api_url=double.url,
            feed_poll_minutes=600,
            digest_grace_minutes=60,
            allow_private_urls=False,
            fetch_timeout=1,
        )

    return make


def one_line(reason: str) -> bool:
    return bool(reason) and "\n" not in reason and "Traceback" not in reason


@fast(2500)
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6) | JSON, max_size=6))
def test_jsonl_lines_of_any_shape(tmp_path_factory, objects):
    path = tmp_path_factory.mktemp("jsonl") / "batch.jsonl"
    lines = [json.dumps(o) for o in objects] + [json.dumps({"text": GOOD_TEXT, "title": "Ferry"})]
    path.write_text("\n".join(lines), "utf-8")
    items = list(read_jsonl(path))
    assert all(isinstance(i, RawArticle) or one_line(i.reason) for i in items)
    assert isinstance(items[-1], RawArticle) and items[-1].title == "Ferry"  # the good line is never lost


@fast(2500)
@given(st.binary(max_size=300))
def test_files_of_any_bytes(data):
    result = decode_text(data, "file")
    assert isinstance(result, str) or one_line(result.reason)


FEED_ITEM = st.dictionaries(
    st.sampled_from(["id", "url", "title", "content_text", "content_html", "summary", "date_published"]),
    JSON,
    max_size=6,
)


@fast(2000)
@given(st.lists(FEED_ITEM | JSON, max_size=6), JSON)
def test_json_feeds_of_any_shape(items, title):
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "items": [*items, {"id": "ok", "content_text": GOOD_TEXT, "title": "Ferry"}],
    }
    # No page budget: nothing is fetched, whatever the items' URLs say.
    result = parse_feed(json.dumps(feed).encode(), "https://feed.example/f.json", FetchPolicy(), FetchBudget(0))
    assert all(isinstance(i, RawArticle) or one_line(i.reason) for i in result.items)
    assert any(isinstance(i, RawArticle) and i.title == "Ferry" for i in result.items)


@fast(1000)
@given(st.binary(max_size=400))
def test_feed_bodies_of_any_bytes(body):
    result = parse_feed(body, "https://feed.example/rss", FetchPolicy(), FetchBudget(0))
    assert all(isinstance(i, RawArticle) or one_line(i.reason) for i in result.items)


SETTINGS = [
    "BRIEFBOT_ADMIN_IDS",
    "BRIEFBOT_DEFAULT_TIMEZONE",
    "BRIEFBOT_FETCH_TIMEOUT",
    "BRIEFBOT_FETCH_MAX_BYTES",
    "BRIEFBOT_FEED_POLL_MINUTES",
    "BRIEFBOT_DIGEST_GRACE_MINUTES",
    "BRIEFBOT_WEBHOOK_PORT",
    "BRIEFBOT_WEBHOOK_URL",
    "BRIEFBOT_BOT_API_URL",
    "BRIEFBOT_ALLOW_PRIVATE_URLS",
    "BRIEFBOT_LOG_LEVEL",
    "TELEGRAM_BOT_TOKEN",
]


@fast(2000)
@given(st.dictionaries(st.sampled_from(SETTINGS), st.text(max_size=30), max_size=5))
def test_settings_of_any_value(env):
    env = {k: v.replace("\x00", "") for k, v in env.items()}
    try:
        load_settings(env)
    except SettingsError as error:
        lines = str(error).splitlines()
        assert lines[0] == "invalid settings:" and all(any(name in line for name in SETTINGS) for line in lines[1:])


@pytest.fixture(scope="module")
def fuzz_store(seeded_path, tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(seeded_path, path)
    database = open_database(path)
    yield Service(database, nlp)
    database.close()


QUERIES = st.text(max_size=60) | st.sampled_from(["gaza", "Blinken", "Hochstein", '"', "AND", "*", "NEAR(", "-", "'"])


@fast(300)
@given(QUERIES, st.sampled_from([None, "short", "long", "7", "0", "huge", "-3"]))
def test_topics_names_and_lengths_of_any_text(fuzz_store, query, length):
    for call in (
        lambda: render.briefing(fuzz_store.brief(query, length=length)),
        lambda: render.timeline(fuzz_store.timeline(query, length)),
        lambda: render.changes(fuzz_store.changes(5, query)),
    ):
        try:
            html = call()
        except InputError as error:
            assert one_line(str(error))
            continue
        assert "<script" not in html
    lookup, profile = fuzz_store.who(query)
    render.profile(profile) if profile else render.lookup(lookup)


@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(min_size=0, max_size=400) | st.just(GOOD_TEXT), min_size=1, max_size=3))
def test_ingesting_any_text_keeps_the_database_sound(fuzz_store, texts):
    before = fuzz_store.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    reports = [fuzz_store.ingest_text(t.replace("\x00", " "), f"fuzz {i}") for i, t in enumerate(texts)]
    for report in reports:
        assert all(i.status != "failed" or one_line(i.reason) for i in report.items)
    stored = sum(r.count("new") + r.count("near-duplicate") for r in reports)
    assert fuzz_store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == before + stored
    assert fuzz_store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fuzz_store.db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


COMMANDS = [
    "/brief",
    "/who",
    "/timeline",
    "/changes",
    "/subscribe",
    "/unsubscribe",
    "/digest",
    "/length",
    "/topics",
    "/feeds",
    "/ingest",
    "/stats",
    "/help",
    "/nonsense",
]


@settings(deadline=None, max_examples=1, phases=[Phase.generate], suppress_health_check=HEALTH)
@given(
    st.lists(st.tuples(st.sampled_from(COMMANDS), st.text(max_size=40)), min_size=40, max_size=40),
    st.lists(st.text(max_size=70), min_size=20, max_size=20),
)
def test_commands_and_buttons_of_any_text_through_the_bot(bot_settings_factory, nlp, commands, payloads):
    """Generated commands and callback data sent through the Bot API double: every one is answered, none crashes."""
    from bot.telegram_app import build_application, post_init, post_shutdown
    from tests.botapi import BotAPIDouble

    async def drive() -> tuple[list, list]:
        double = BotAPIDouble().start()
        try:
            application = build_application(bot_settings_factory(double), nlp=nlp)
            async with application:
                await post_init(application)
                await application.start()
                await application.updater.start_polling(poll_interval=0.0, timeout=0)
                # Each from its own chat: one chat's burst beyond its queue is dropped by design (test_bot.py).
                chats = [1000 + n for n in range(len(commands))]
                for chat, (command, argument) in zip(chats, commands):
                    double.push_message(chat, f"{command} {argument}".replace("\x00", ""), user_id=chat)
                for n, data in enumerate(payloads):
                    double.push_update(
                        {
                            "callback_query": {
                                "id": f"fz{n}",
                                "chat_instance": "x",
                                "data": data[:64] or "x",
                                "from": {"id": 5000 + n, "is_bot": False, "first_name": "F"},
                                "message": {
                                    "message_id": 1,
                                    "date": 1,
                                    "chat": {"id": 5000 + n, "type": "private"},
                                    "text": "b",
                                },
                            }
                        }
                    )
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 120

                def replies() -> list:
                    return [m for chat in chats for m in double.sent(chat)]

                while len(double.sent(method="answerCallbackQuery")) < len(payloads) or len(replies()) < len(commands):
                    if loop.time() > deadline:
                        break
                    await asyncio.sleep(0.05)
                await application.updater.stop()
                await application.stop()
                await post_shutdown(application)
            return replies(), double.sent(method="answerCallbackQuery")
        finally:
            double.stop()

    replies, answers = asyncio.run(drive())
    assert len(answers) == len(payloads)
    assert len(replies) >= len(commands)
    assert not any("something went wrong" in r["text"] for r in replies)
