"""The bot end to end: the unmodified Application over real HTTP against a local Bot API double."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import digests
from bot.settings import Settings
from bot.telegram_app import build_application, post_init, post_shutdown
from service.digests import last_scheduled, slot_for
from storage import chats as chat_store
from tests.botapi import BotAPIDouble

ADMIN = 42
USER = 7


@pytest.fixture
def double():
    server = BotAPIDouble().start()
    yield server
    server.stop()
    assert server.rejected == []  # nothing real Telegram would have refused (HTML, length, button data)


@pytest.fixture
def bot_settings(double, seeded_path, tmp_path):
    path = tmp_path / "bot.db"
    shutil.copy(seeded_path, path)
    return Settings(
        token="123456:TEST",
        db_path=str(path),
        admin_ids=frozenset({ADMIN}),
        bot_api_url=double.url,
        feed_poll_minutes=600,
        digest_grace_minutes=60,
        allow_private_urls=True,
        fetch_timeout=2,
    )


@pytest.fixture
async def app(bot_settings, nlp):
    application = build_application(bot_settings, nlp=nlp)
    async with application:
        await post_init(application)
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=0)
        yield application
        await application.updater.stop()
        await application.stop()
        await post_shutdown(application)


async def wait_for(predicate, timeout: float = 20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.05)


async def say(double, text: str, chat_id: int = USER, user_id: int | None = None, expect: int = 1, **kw) -> list[dict]:
    """Send a message as a user; return the bot's new messages in that chat."""
    before = len(double.sent(chat_id))
    double.push_message(chat_id, text, user_id=user_id or abs(chat_id), **kw)
    await wait_for(lambda: len(double.sent(chat_id)) >= before + expect)
    await asyncio.sleep(0.1)
    return double.sent(chat_id)[before:]


async def test_start_lists_every_command_and_sets_the_menu(app, double):
    [reply] = await say(double, "/start")
    for command in (
        "/brief",
        "/who",
        "/changes",
        "/subscribe",
        "/unsubscribe",
        "/topics",
        "/digest",
        "/length",
        "/ingest",
        "/feeds",
        "/stats",
    ):
        assert command in reply["text"]
    assert reply["parse_mode"] == "HTML"
    assert len(double.sent(method="setMyCommands")) == 1


async def test_brief_has_sources_and_buttons(app, double):
    [reply] = await say(double, "/brief gaza")
    assert reply["text"].startswith("<b>Briefing: gaza</b>")
    assert "(VOA, 2024-10-22" in reply["text"]
    markup = reply["reply_markup"]
    assert "Who is Antony Blinken?" in markup and "What changed" in markup


async def test_who_and_unknown_who(app, double):
    [reply] = await say(double, "/who Blinken")
    assert "<b>Antony Blinken</b> — person" in reply["text"] and "U.S. Secretary of State" in reply["text"]
    [reply] = await say(double, "/who Bibi")
    assert reply["text"] == "I know nobody called “Bibi”."


async def test_changes_after_a_briefing_says_nothing_new(app, double):
    await say(double, "/brief gaza")
    [reply] = await say(double, "/changes gaza")
    assert reply["text"].startswith("Nothing new on “gaza” since ")


async def test_subscriptions_and_topics(app, double):
    await say(double, "/subscribe Gaza")
    [reply] = await say(double, "/topics")
    assert "• Gaza" in reply["text"] and "Digest: off" in reply["text"]
    [reply] = await say(double, "/unsubscribe gaza")
    assert reply["text"] == "Unsubscribed from “gaza”."
    [reply] = await say(double, "/subscribe")
    assert reply["text"] == "Say what to subscribe to, for example: /subscribe Gaza"


async def test_digest_is_scheduled_in_the_chats_time_zone(app, double):
    [reply] = await say(double, "/digest 07:30 Europe/Berlin")
    assert reply["text"] == "Daily digest at 07:30 (Europe/Berlin)."
    [job] = app.job_queue.get_jobs_by_name(digests.job_name(USER))
    fire = job.next_t.astimezone(ZoneInfo("Europe/Berlin"))
    assert (fire.hour, fire.minute) == (7, 30)
    await say(double, "/digest off")
    await asyncio.sleep(0.1)
    assert app.job_queue.get_jobs_by_name(digests.job_name(USER)) == ()


@pytest.mark.parametrize(
    "command, answer",
    [
        ("/digest 25:00", "“25:00” is not a time; use 24-hour HH:MM, e.g. 07:30."),
        (
            "/digest 07:30 Mars/Olympus",
            "“Mars/Olympus” is not an IANA time zone; try Europe/London or America/New_York.",
        ),
        (
            "/digest",
            "Use /digest HH:MM [time zone], e.g. /digest 07:30 Europe/Berlin, /digest off, or /digest quiet on|off.",
        ),
        ("/digest 07:30 Europe", "“Europe” is not an IANA time zone; try Europe/London or America/New_York."),
        ("/digest quiet maybe", "Use /digest quiet on (say nothing about quiet topics) or /digest quiet off."),
        ("/who", "Give a name, for example: /who Blinken"),
        ("/length huge", "Use /length short, /length medium or /length long."),
        ("/frobnicate", "I don't know /frobnicate. /help lists what I can do."),
        ("/who " + "x" * 4000, "That name is too long (4,000 characters; names are at most 200)."),
        ("/brief " + "x" * 4000, "That topic is too long (4,000 characters; at most 200)."),
        ("/timeline " + "x" * 4000 + " 5", "That topic is too long (4,000 characters; at most 200)."),
        ("/brief ???", "A topic needs at least one letter or digit."),
        ("/stats", "That command is for the bot's administrators."),
    ],
)
async def test_bad_input_gets_a_short_helpful_reply(app, double, command, answer):
    [reply] = await say(double, command)
    assert reply["text"] == answer


async def test_emoji_and_right_to_left_text(app, double):
    [reply] = await say(double, "/who 🕊️ بلينكن")
    assert reply["text"].startswith("I know nobody called")
    [reply] = await say(double, "/brief שלום 🌍")
    assert reply["text"].startswith("No stored articles match")


async def test_edited_messages_channel_posts_and_userless_updates_are_ignored(app, double):
    chat = {"id": -100500, "type": "channel", "title": "News"}
    double.push_update(
        {
            "edited_message": {
                "message_id": 1,
                "date": 1,
                "edit_date": 2,
                "text": "/brief gaza",
                "chat": {"id": USER, "type": "private"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                "from": {"id": USER, "is_bot": False, "first_name": "T"},
            }
        }
    )
    double.push_update(
        {
            "channel_post": {
                "message_id": 2,
                "date": 1,
                "text": "/brief gaza",
                "chat": chat,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    [reply] = await say(double, "/help")  # the bot is still alive and answered only this
    assert "/brief" in reply["text"]
    assert double.sent(-100500) == [] and len(double.sent(USER)) == 1


async def test_admin_commands(app, double, httpserver):
    [reply] = await say(double, "/stats", user_id=ADMIN, chat_id=ADMIN)
    assert "Articles: <b>5</b>" in reply["text"] and "Last feed poll: <b>never</b>" in reply["text"]
    httpserver.expect_request("/rss").respond_with_data(
        "<rss version='2.0'><channel></channel></rss>", content_type="application/rss+xml"
    )
    [reply] = await say(double, f"/feeds add {httpserver.url_for('/rss')}", chat_id=ADMIN)
    # Polled at once: the admin learns what the feed holds now, not after the next round of polls.
    assert reply["text"] == (
        f"Added feed {httpserver.url_for('/rss')}. First poll: ok: 0 new, 0 duplicate, 0 near-duplicate, 0 failed."
    )
    [reply] = await say(double, "/feeds list", chat_id=ADMIN)
    assert "ok: 0 new" in reply["text"] and "not polled yet" not in reply["text"]
    [reply] = await say(double, "/ingest not-a-url", chat_id=ADMIN)
    assert reply["text"] == "Use /ingest https://example.com/article"
    [reply] = await say(double, f"/ingest {httpserver.url_for('/missing')}", chat_id=ADMIN)
    assert "HTTP 500" in reply["text"] or "HTTP 404" in reply["text"]


async def test_admin_pasted_text_is_ingested(app, double):
    text = (
        "The harbour authority said on Friday that the new ferry terminal will open in March next year. " * 6
    ).strip()
    [reply] = await say(double, text, chat_id=ADMIN)
    assert reply["text"].startswith("Ingested: 1 new")
    await asyncio.sleep(0.2)
    assert double.sent(USER) == []


async def test_only_group_admins_change_group_settings(app, double):
    group = -2001
    [reply] = await say(double, "/subscribe Gaza", chat_id=group, user_id=USER, chat_type="group")
    assert reply["text"] == "Only this group's administrators can change its subscriptions and digests."
    double.members[(group, USER)] = "administrator"
    [reply] = await say(double, "/subscribe Gaza", chat_id=group, user_id=USER, chat_type="group")
    assert reply["text"].startswith("Subscribed to “Gaza”.")
    [reply] = await say(double, "/brief Hochstein", chat_id=group, user_id=99, chat_type="group")
    assert "Hochstein" in reply["text"]  # anyone may read


def keyboard(message: dict) -> dict[str, str]:
    """A sent message's buttons: label -> callback data."""
    rows = json.loads(message["reply_markup"])["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def test_buttons_are_answered_at_once(app, double):
    [reply] = await say(double, "/brief gaza")
    query = double.press(USER, keyboard(reply)["Who is Antony Blinken?"], user_id=USER)
    await wait_for(lambda: len(double.sent(USER)) >= 2)
    assert double.sent(method="answerCallbackQuery")[0]["callback_query_id"] == query
    assert "<b>Antony Blinken</b>" in double.sent(USER)[-1]["text"]


STALE = "That button has expired or belongs to another chat; send the command again."


@pytest.mark.parametrize(
    "data",
    ["who:123", "a:1", "a:99999999999999999999", "a:-1", "", "tml:gaza", "a:AAAAAAAAAAAAAAAAAAAAAA", "a:" + "x" * 60],
)
async def test_forged_or_stale_buttons_get_a_pop_up_not_an_error(app, double, data):
    double.press(USER, data, user_id=USER)
    await wait_for(lambda: len(double.sent(method="answerCallbackQuery")) == 1)
    [answer] = double.sent(method="answerCallbackQuery")
    assert (answer["text"], str(answer["show_alert"]).lower()) == (STALE, "true")
    await asyncio.sleep(0.2)
    assert double.sent(USER) == []


async def test_a_button_pressed_in_another_chat_shows_nothing_of_the_first(app, double):
    [reply] = await say(double, "/changes gaza")
    other = 99
    for data in keyboard(reply).values():
        double.press(other, data, user_id=other)
    await wait_for(lambda: len(double.sent(method="answerCallbackQuery")) == len(keyboard(reply)))
    assert {a["text"] for a in double.sent(method="answerCallbackQuery")} == {STALE}
    await asyncio.sleep(0.2)
    assert double.sent(other) == []


async def test_old_buttons_expire_and_are_deleted(app, double, bot_settings):
    import sqlite3

    [reply] = await say(double, "/brief gaza")
    with sqlite3.connect(bot_settings.db_path) as conn:
        conn.execute("UPDATE button_actions SET created_at = '2000-01-01T00:00:00+00:00'")
    double.press(USER, keyboard(reply)["Timeline"], user_id=USER)
    await wait_for(lambda: double.sent(method="answerCallbackQuery"))
    assert double.sent(method="answerCallbackQuery")[0]["text"] == STALE
    await say(double, "/brief gaza")  # the next buttons issued clear the expired ones away
    with sqlite3.connect(bot_settings.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM button_actions WHERE created_at < '2001'").fetchone()[0] == 0


async def test_hostile_text_is_escaped(app, double):
    hostile = (
        'The mayor said <script>alert("x")</script> & <b>unbalanced tags in the council report '
        "surprised officials on Monday."
    )
    runner = app.bot_data.runner
    await runner.run(runner.service.ingest_text, hostile, "hostile", "<i>Title", "Evil & Co <x>")
    [reply] = await say(double, "/brief mayor")
    assert "<script>" not in reply["text"] and "&lt;script&gt;" in reply["text"]
    assert "Evil &amp; Co &lt;x&gt;" in reply["text"]
    [reply] = await say(double, "/who <script>")
    assert "<script>" not in reply["text"]


async def test_formatting_rejected_falls_back_to_plain_text(app, double):
    double.fail_next("sendMessage", "400")
    [reply] = await say(double, "/who Blinken")
    assert "parse_mode" not in reply and reply["text"].startswith("Antony Blinken — person")


async def test_flood_control_is_honoured_not_lost(app, double):
    double.fail_next("sendMessage", "429")
    [reply] = await say(double, "/who Hochstein")
    assert "Amos Hochstein" in reply["text"]
    assert [m for m, _ in double.calls if m.startswith("sendMessage!")] == ["sendMessage!429"]


TOKYO = ZoneInfo("Asia/Tokyo")


async def test_digest_delivered_once_per_slot(app, double):
    runner = app.bot_data.runner
    await say(double, "/subscribe Gaza")
    await runner.run(runner.service.update_chat, USER, digest_time="08:00", timezone="Asia/Tokyo")
    before = len(double.sent(USER))
    assert await digests.deliver(app, USER, datetime(2024, 10, 22, 8, 0, 3, tzinfo=TOKYO)) == "sent"
    assert await digests.deliver(app, USER, datetime(2024, 10, 22, 9, 30, tzinfo=TOKYO)) == "already"
    [digest] = double.sent(USER)[before:]  # one message: the header, then the topic
    header, topic = digest["text"].split("\n\n", 1)
    assert header == ("<b>Your daily digest, Tue 22 Oct</b>\n<i>Topics: Gaza</i>\nNew on 1 topic: Gaza.")
    assert topic.startswith("<b>First briefing on Gaza</b>")
    assert set(keyboard(digest)) >= {"Who is Antony Blinken?", "Timeline", "Unsubscribe"}
    # The next day nothing is new: one line says so.
    assert await digests.deliver(app, USER, datetime(2024, 10, 23, 8, 0, tzinfo=TOKYO)) == "sent"
    [quiet] = double.sent(USER)[before + 1 :]
    assert quiet["text"].startswith(
        "<b>Your daily digest, Wed 23 Oct</b>\n<i>Topics: Gaza</i>\nNothing new on “Gaza” since "
    )


async def test_digest_with_news_on_one_topic_and_quiet_lines_switched_off(app, double):
    runner = app.bot_data.runner
    for command in ("/subscribe Gaza", "/subscribe Hezbollah", "/brief Gaza", "/digest 08:00 Asia/Tokyo"):
        await say(double, command)
    before = len(double.sent(USER))
    assert await digests.deliver(app, USER, datetime(2024, 10, 22, 8, 0, tzinfo=TOKYO)) == "sent"
    [digest] = double.sent(USER)[before:]
    header, topic = digest["text"].split("\n\n", 1)
    lines = header.splitlines()
    assert lines[1:3] == ["<i>Topics: Gaza, Hezbollah</i>", "New on 1 topic: Hezbollah."]
    assert len(lines) == 4 and lines[3].startswith("Nothing new on “Gaza” since ")
    assert topic.startswith("<b>First briefing on Hezbollah</b>")
    [reply] = await say(double, "/digest quiet on")
    assert reply["text"] == "Digests will leave out topics with nothing new."
    before = len(double.sent(USER))
    assert await digests.deliver(app, USER, datetime(2024, 10, 23, 8, 0, tzinfo=TOKYO)) == "nothing-new"
    assert double.sent(USER)[before:] == []
    assert (await runner.run(runner.service.chat, USER)).digest_quiet is True


async def test_a_digest_on_several_topics_is_one_message_with_a_row_of_buttons_each(app, double):
    for command in ("/subscribe Gaza", "/subscribe Hezbollah", "/digest 08:00 Asia/Tokyo"):
        await say(double, command)
    before = len(double.sent(USER))
    assert await digests.deliver(app, USER, datetime(2024, 10, 22, 8, 0, tzinfo=TOKYO)) == "sent"
    parts = double.sent(USER)[before:]  # one document, split only where it passes 4,096 units
    text = "\n\n".join(p["text"] for p in parts)
    assert len(parts) <= 2 and all("reply_markup" not in p for p in parts[:-1])  # was 3: header, one per topic
    assert "New on 2 topics: Gaza, Hezbollah." in text
    assert "<b>First briefing on Gaza</b>" in text and "<b>First briefing on Hezbollah</b>" in text
    rows = json.loads(parts[-1]["reply_markup"])["inline_keyboard"]
    assert [len(row) for row in rows] == [1, 1] and [r[0]["text"].endswith(("Gaza", "Hezbollah")) for r in rows] == [
        True
    ] * 2
    double.press(USER, rows[1][0]["callback_data"], user_id=USER)
    await wait_for(lambda: len(double.sent(USER)) > before + len(parts))
    assert "Hezbollah" in double.sent(USER)[-1]["text"]


async def test_blocked_chat_is_deactivated_and_comes_back_with_start(app, double):
    runner = app.bot_data.runner
    await say(double, "/subscribe Gaza")
    chat = await runner.run(runner.service.update_chat, USER, digest_time="08:00", timezone="UTC")
    digests.schedule(app, chat)
    double.fail_next("sendMessage", "403")
    assert await digests.deliver(app, USER, datetime(2024, 10, 22, 8, 0, tzinfo=UTC)) == "forbidden"
    assert (await runner.run(chat_store.get_chat, runner.service.db, USER)).active is False
    assert app.job_queue.get_jobs_by_name(digests.job_name(USER)) == ()
    await say(double, "/start")
    assert (await runner.run(chat_store.get_chat, runner.service.db, USER)).active is True
    assert len(app.job_queue.get_jobs_by_name(digests.job_name(USER))) == 1


async def test_missed_slot_within_grace_is_delivered_on_start(bot_settings, double, nlp):
    from storage.db import open_database

    db = open_database(bot_settings.db_path)
    now = datetime.now(UTC) - timedelta(minutes=5)
    chat_store.subscribe(db, 11, "Hezbollah")
    chat_store.update_chat(db, 11, digest_time=now.strftime("%H:%M"), timezone="UTC")
    old = datetime.now(UTC) - timedelta(hours=3)
    chat_store.subscribe(db, 12, "Hezbollah")
    chat_store.update_chat(db, 12, digest_time=old.strftime("%H:%M"), timezone="UTC")
    db.close()
    application = build_application(replace(bot_settings), nlp=nlp)
    async with application:
        await post_init(application)
        await post_shutdown(application)
    assert len(double.sent(11)) == 1 and double.sent(12) == []  # one message: the header and one topic


async def test_webhook_mode_checks_the_secret_and_answers(bot_settings, double, nlp):
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    application = build_application(bot_settings, nlp=nlp)
    async with application:
        await post_init(application)
        await application.start()
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url="https://bot.example/hook",
            secret_token="s3cret",
        )
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1,
                "text": "/who Blinken",
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "T"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
            },
        }
        async with httpx.AsyncClient() as client:
            wrong = await client.post(
                f"http://127.0.0.1:{port}/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            right = await client.post(
                f"http://127.0.0.1:{port}/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
        await wait_for(lambda: len(double.sent(USER)) == 1)
        await application.updater.stop()
        await application.stop()
        await post_shutdown(application)
    assert (wrong.status_code, right.status_code) == (403, 200)
    assert double.sent(method="setWebhook")[0]["url"] == "https://bot.example/hook"
    assert "<b>Antony Blinken</b>" in double.sent(USER)[0]["text"]


async def test_failed_digest_is_not_counted_as_seen_and_can_be_retried(app, double):
    runner = app.bot_data.runner
    await say(double, "/subscribe Gaza")
    await runner.run(runner.service.update_chat, USER, digest_time="08:00", timezone="UTC")
    double.fail_next("sendMessage", "500")
    fired = datetime(2024, 10, 22, 8, 0, tzinfo=UTC)
    assert await digests.deliver(app, USER, fired) == "failed"
    assert await digests.deliver(app, USER, fired) == "sent"
    assert "First briefing on Gaza" in double.sent(USER)[-1]["text"]


async def test_timeline_command_and_button(app, double):
    [reply] = await say(double, "/timeline gaza 3")
    assert reply["text"].startswith("<b>Timeline: gaza</b>") and "3 dates" in reply["text"]
    [reply] = await say(double, "/brief gaza")
    double.press(USER, keyboard(reply)["Timeline"], user_id=USER)
    await wait_for(lambda: double.sent(USER)[-1]["text"].startswith("<b>Timeline: gaza</b>"))


async def test_long_topics_get_buttons_that_fit_and_search_the_whole_topic(app, double):
    topic = "Blinken — Israel — Gaza — ceasefire — “talks” — Antony — Blinken — Israel"
    [reply] = await say(double, f"/brief {topic}")
    buttons = keyboard(reply)
    assert all(len(data.encode("utf-8")) <= 64 for data in buttons.values())
    double.press(USER, buttons["What changed"], user_id=USER)
    await wait_for(lambda: len(double.sent(USER)) == 2)
    assert double.sent(USER)[-1]["text"].startswith(f"Nothing new on “{topic}” since ")


def test_a_late_run_keeps_the_slot_it_was_scheduled_for():
    from storage.records import Chat

    chat = Chat(id=1, timezone="Europe/Berlin", digest_time="23:59", length="medium", active=True)
    late = datetime(2024, 10, 22, 0, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # the 21st's run, 90 s late
    assert slot_for(chat, last_scheduled(chat, late)) == "2024-10-21 23:59 Europe/Berlin"


@pytest.mark.parametrize(
    "minute, slot",
    [
        (10, "2026-03-28 02:30 Europe/Berlin"),  # 03:10 summer time: the day's 02:30 (03:30 summer time) is ahead
        (29, "2026-03-28 02:30 Europe/Berlin"),
        (30, "2026-03-29 02:30 Europe/Berlin"),  # when the job queue fires it
    ],
)
def test_a_digest_time_the_spring_forward_skips_is_not_due_early(minute, slot):
    from storage.records import Chat

    berlin = ZoneInfo("Europe/Berlin")
    chat = Chat(id=1, timezone="Europe/Berlin", digest_time="02:30", length="medium", active=True)
    now = datetime(2026, 3, 29, 3, minute, tzinfo=berlin)
    assert slot_for(chat, last_scheduled(chat, now)) == slot


async def test_a_failed_slot_is_retried_at_start_within_grace(bot_settings, double, nlp):
    from storage.db import open_database

    db = open_database(bot_settings.db_path)
    now = datetime.now(UTC) - timedelta(minutes=5)
    chat_store.subscribe(db, 13, "Hezbollah")
    chat = chat_store.update_chat(db, 13, digest_time=now.strftime("%H:%M"), timezone="UTC")
    slot = slot_for(chat, last_scheduled(chat, datetime.now(UTC)))
    chat_store.claim_delivery(db, 13, slot)
    chat_store.finish_delivery(db, 13, slot, "failed")
    db.close()
    application = build_application(replace(bot_settings), nlp=nlp)
    async with application:
        await post_init(application)
        await post_shutdown(application)
    assert len(double.sent(13)) == 1
    db = open_database(bot_settings.db_path)
    assert chat_store.delivery_status(db, 13, slot) == "sent"
    db.close()


async def test_a_wave_of_digests_is_worked_out_ahead_once_and_each_chat_gets_its_own(app, double, monkeypatch):
    from service.app import Service

    runner = app.bot_data.runner
    wave = [21, 22, 23]
    for chat_id, topic in zip(wave, ["Gaza", "Hezbollah", "Gaza"]):
        await runner.run(chat_store.subscribe, runner.service.db, chat_id, topic)
        await runner.run(chat_store.update_chat, runner.service.db, chat_id, digest_time="08:00", timezone="UTC")
    prepared: list[list[int]] = []
    real = Service.prepare_digests
    monkeypatch.setattr(
        Service, "prepare_digests", lambda self, ids, ready: prepared.append(sorted(ids)) or real(self, ids, ready)
    )
    fired = datetime(2024, 10, 22, 8, 0, 2, tzinfo=UTC)
    statuses = await asyncio.gather(*(digests.deliver(app, chat_id, fired) for chat_id in wave))
    assert (statuses, prepared) == (["sent", "sent", "sent"], [wave])
    assert [[m["text"].split("\n")[1] for m in double.sent(c)] for c in wave] == [
        ["<i>Topics: Gaza</i>"],
        ["<i>Topics: Hezbollah</i>"],
        ["<i>Topics: Gaza</i>"],
    ]


async def test_a_failed_send_is_retried_with_backoff(app, double, monkeypatch):
    runner = app.bot_data.runner
    await runner.run(chat_store.subscribe, runner.service.db, 14, "Hezbollah")
    await runner.run(chat_store.update_chat, runner.service.db, 14, digest_time="08:00", timezone="UTC")
    monkeypatch.setattr(digests, "RETRY_FIRST_SECONDS", 0.2)
    fired = datetime(2024, 10, 22, 8, 0, tzinfo=UTC)
    app.bot_data.clock = lambda: fired + timedelta(minutes=2)  # two minutes after the slot: inside the grace window
    double.fail_next("sendMessage", "500")  # the next sendMessage fails with a server error
    assert await digests.deliver(app, 14, fired) == "failed"
    await wait_for(lambda: len(double.sent(14)) == 1)
    await wait_for(lambda: chat_store.delivery_status(runner.service.db, 14, "2024-10-22 08:00 UTC") == "sent")


async def test_brief_is_answered_while_an_ingest_trickles_in(app, double, httpserver):
    from tests.conftest import trickling

    httpserver.expect_request("/slow").respond_with_handler(trickling(20))
    double.push_message(ADMIN, f"/ingest {httpserver.url_for('/slow')}", user_id=ADMIN)
    await asyncio.sleep(0.3)  # the fetch is under way
    start = asyncio.get_running_loop().time()
    [reply] = await say(double, "/brief gaza")
    assert asyncio.get_running_loop().time() - start < 1.0
    assert reply["text"].startswith("<b>Briefing: gaza</b>")
    await wait_for(lambda: len(double.sent(ADMIN)) == 1)
    assert "timed out after 2 s" in double.sent(ADMIN)[0]["text"]


async def test_no_feeds_reply_is_valid_html(app, double):
    [reply] = await say(double, "/feeds list", chat_id=ADMIN)
    assert reply["text"] == "No feeds. Add one with /feeds add &lt;url&gt;."


async def test_commands_for_another_bot_are_left_alone(app, double):
    group = -200
    double.push_message(group, "/weather@OtherBot Paris", user_id=USER, chat_type="group")
    [reply] = await say(double, "/frobnicate@briefbot_test_bot", chat_id=group, user_id=USER, chat_type="group")
    assert reply["text"] == "I don't know /frobnicate@briefbot_test_bot. /help lists what I can do."
    assert len(double.sent(group)) == 1  # nothing was said about /weather@OtherBot


async def test_a_burst_of_commands_is_answered_in_order(app, double):
    commands = ["/length short", "/topics", "/length long", "/topics", "/subscribe Gaza", "/topics"]
    for command in commands:
        double.push_message(USER, command, user_id=USER)
    await wait_for(lambda: len(double.sent(USER)) == 6)
    texts = [m["text"] for m in double.sent(USER)]
    assert texts[0] == "Briefings will be short." and "Length: short" in texts[1]
    assert texts[2] == "Briefings will be long." and "Length: long" in texts[3] and "none yet" in texts[3]
    assert texts[4].startswith("Subscribed to “Gaza”.") and "• Gaza" in texts[5]


async def test_different_chats_are_answered_concurrently(app, double):
    double.fail_next("sendMessage", "slow")  # the first chat's answer hangs for two seconds
    double.push_message(USER, "/help", user_id=USER)
    await asyncio.sleep(0.3)
    start = asyncio.get_running_loop().time()
    [reply] = await say(double, "/length short", chat_id=8)
    assert reply["text"] == "Briefings will be short."
    assert asyncio.get_running_loop().time() - start < 1.5


async def test_group_commands_are_answered_as_replies(app, double):
    group = -3001
    before = len(double.sent(group))
    message_id = double.push_message(group, "/who Blinken", user_id=USER, chat_type="group")
    await wait_for(lambda: len(double.sent(group)) > before)
    reply_to = json.loads(double.sent(group)[-1]["reply_parameters"])
    assert reply_to["message_id"] == message_id
    [private] = await say(double, "/who Blinken")
    assert "reply_parameters" not in private


async def test_a_group_button_refused_as_a_pop_up_not_a_group_message(app, double):
    group = -3002
    double.members[(group, ADMIN)] = "administrator"
    await say(double, "/subscribe Gaza", chat_id=group, user_id=ADMIN, chat_type="group")
    [brief] = await say(double, "/brief Gaza", chat_id=group, user_id=USER, chat_type="group")
    double.press(group, keyboard(brief)["Unsubscribe"], user_id=USER, chat_type="group")
    await wait_for(lambda: len(double.sent(method="answerCallbackQuery")) == 1)
    [answer] = double.sent(method="answerCallbackQuery")
    assert answer["text"] == "Only this group's administrators can change its subscriptions and digests."
    await asyncio.sleep(0.2)
    assert len(double.sent(group)) == 2  # the subscribe and brief answers only
    double.press(group, keyboard(brief)["Unsubscribe"], user_id=ADMIN, chat_type="group")
    await wait_for(lambda: len(double.sent(group)) == 3)
    assert double.sent(group)[-1]["text"] == "Unsubscribed from “Gaza”."


async def test_plain_text_gets_a_pointer_in_private_and_silence_in_groups(app, double):
    [reply] = await say(double, "hello?")
    assert reply["text"] == "I answer commands: try /brief, /who Blinken or /subscribe Gaza. /help lists them all."
    double.push_message(-3003, "hello everyone", user_id=USER, chat_type="group")
    await say(double, "/help")
    assert double.sent(-3003) == []


async def test_changes_without_a_topic_follows_the_subscriptions(app, double):
    await say(double, "/subscribe Hezbollah")
    await say(double, "/brief Hezbollah")
    [reply] = await say(double, "/changes")
    assert reply["text"].startswith("Nothing new on “Hezbollah” since ")


async def test_a_forwarded_channel_post_is_credited_to_the_channel(app, double):
    text = (
        "The harbour authority of Portmere said on Friday that the new ferry terminal will open in March, "
        "after two years of delays and a dispute over dredging costs. "
    ) * 3
    origin = {
        "type": "channel",
        "date": 1700000000,
        "message_id": 77,
        "chat": {"id": -100900, "type": "channel", "title": "Harbour News", "username": "harbournews"},
    }
    [reply] = await say(double, text.strip(), chat_id=ADMIN, user_id=ADMIN, forward_origin=origin)
    assert reply["text"].startswith("Ingested: 1 new")
    [brief] = await say(double, "/brief Portmere")
    assert '<a href="https://t.me/harbournews/77">Harbour News, 2023-11-14</a>' in brief["text"]


async def test_a_pasted_article_is_credited_to_who_pasted_it(app, double):
    text = (
        "The harbour authority of Quillby said on Friday that the new ferry terminal will open in March, "
        "after two years of delays and a dispute over dredging costs. "
    ) * 3
    await say(double, text.strip(), chat_id=ADMIN, user_id=ADMIN)
    [brief] = await say(double, "/brief Quillby")
    assert "(Tester, " in brief["text"] and "Telegram" not in brief["text"]


HOSTILE = [
    'Mayor <script>alert("x")</script> & <b>unbalanced said the Quarry council report & “plans” <i>surprised</i> '
    "officials on Monday, 12 May.",
    "Officials at Quarry <a href='javascript:x'>town</a> hall said 3 < 5 > 2 && the vote &amp; the &#bogus; count "
    "was delayed on 13 May.",
    "Quarry residents 🏳️‍🌈 said 👨‍👩‍👧 the ‮reversed‬ text and \u0000 nulls \u200b were removed on 14 May, officials said.",  # noqa: E501  (emoji and bidi controls kept on one line)
]


async def test_every_reply_is_valid_telegram_html_even_for_hostile_articles(app, double):
    runner = app.bot_data.runner
    for n, text in enumerate(HOSTILE):
        await runner.run(
            runner.service.ingest_text,
            text * 2,
            f"hostile {n}",
            title="<b>Quarry & co",
            source='Evil <Co> & "Sons"',
            url=f"https://example.com/q?a=1&b=<{n}>",
        )
    commands = [
        "/brief Quarry",
        "/who Quarry",
        "/timeline Quarry",
        "/changes Quarry",
        "/subscribe <b>Quarry</b>",
        "/topics",
        "/who <i>",
        "/brief <&>",
        "/timeline & 2",
        "/digest 07:30 <Europe>",
        "/unsubscribe <x>",
    ]
    for command in commands:
        await say(double, command)
    for command in ("/stats", "/feeds list", "/ingest http://127.0.0.1:9/<x>"):
        await say(double, command, chat_id=ADMIN, user_id=ADMIN)
    runner_chat = await runner.run(runner.service.update_chat, USER, digest_time="08:00", timezone="UTC")
    assert runner_chat.digest_time == "08:00"
    await digests.deliver(app, USER, datetime(2024, 10, 22, 8, 0, tzinfo=UTC))
    sent = double.sent(USER) + double.sent(ADMIN)
    assert len(sent) >= len(commands) + 3 and all(m.get("parse_mode") == "HTML" for m in sent)
    # The double refuses what Telegram would refuse; the fixture checks that nothing was refused.


async def test_an_unexpected_error_is_logged_and_the_user_told_once(app, double, monkeypatch, caplog):
    from service.app import Service

    def broken(self, name: str):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Service, "who", broken)
    [reply] = await say(double, "/who Blinken")
    assert reply["text"] == "Sorry, something went wrong; it has been logged."
    assert "disk on fire" in caplog.text
    [reply] = await say(double, "/help")  # and the bot goes on
    assert "/brief" in reply["text"]


async def test_a_forwarded_message_keeps_its_link_and_its_senders_name(app, double):
    text = (
        "The harbour authority of Rendale said on Friday that the new ferry terminal will open in March, "
        "after two years of delays and a dispute over dredging costs. "
    ) * 3
    origin = {
        "type": "user",
        "date": 1700000000,
        "sender_user": {"id": 555, "is_bot": False, "first_name": "Dana", "last_name": "Reporter"},
    }
    link = {"type": "text_link", "offset": 4, "length": 7, "url": "https://news.example/rendale-ferry"}
    await say(double, text.strip(), chat_id=ADMIN, user_id=ADMIN, forward_origin=origin, entities=[link])
    [brief] = await say(double, "/brief Rendale")
    assert '<a href="https://news.example/rendale-ferry">Dana Reporter, 2023-11-14</a>' in brief["text"]


async def test_reads_run_beside_the_writer_on_their_own_connections(app, double):
    import threading

    runner = app.bot_data.runner
    from service.app import Service

    def where(service: Service) -> tuple[str, bool]:
        return threading.current_thread().name, service.db is runner.service.db

    thread, same_connection = await runner.read(where)
    assert thread.startswith("briefbot-reader") and not same_connection
    [reply] = await say(double, "/who Blinken")  # answered from a reader
    assert "<b>Antony Blinken</b>" in reply["text"]


async def test_trend_sends_a_chart_as_a_photo_and_briefings_have_a_trend_button(app, double):
    from tests.test_views import png_size

    before = len(double.sent(USER, method="sendPhoto"))
    double.push_message(USER, "/trend gaza 10", user_id=USER)
    await wait_for(lambda: len(double.sent(USER, method="sendPhoto")) > before)
    photo = double.sent(USER, method="sendPhoto")[-1]
    assert png_size(photo["photo"]["data"]) == (1200, 720)
    assert photo["caption"].startswith("gaza, 13 Oct – 22 Oct 2024: ")
    [reply] = await say(double, "/brief gaza")
    double.press(USER, keyboard(reply)["Trend"], user_id=USER)
    await wait_for(lambda: len(double.sent(USER, method="sendPhoto")) == before + 2)
    [reply] = await say(double, "/trend curling")
    assert reply["text"].startswith("No stored articles match “curling”")


async def test_feeds_export_a_file_and_an_opml_document_imports(app, double, monkeypatch):
    import socket

    from service.sources import fetch as fetch_module
    from tests.test_views import FEEDLY

    monkeypatch.setattr(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 443))],
    )
    double.push_document(ADMIN, "feedly.opml", FEEDLY, user_id=ADMIN, mime_type="text/x-opml")
    await wait_for(lambda: len(double.sent(ADMIN)) == 1)
    assert double.sent(ADMIN)[0]["text"] == "Imported 3 new feeds; 0 already polled; 0 refused."
    double.push_message(ADMIN, "/feeds export", user_id=ADMIN)
    await wait_for(lambda: len(double.sent(ADMIN, method="sendDocument")) == 1)
    sent = double.sent(ADMIN, method="sendDocument")[0]
    assert sent["document"]["filename"] == "briefbot-feeds.opml"
    assert sent["document"]["data"].count(b'type="rss"') == 3
    double.push_document(ADMIN, "notes.opml", b"<opml><body>", user_id=ADMIN)
    await wait_for(lambda: len(double.sent(ADMIN)) == 2)
    assert double.sent(ADMIN)[1]["text"].startswith("That file cannot be imported: not an OPML subscription list")
    double.push_document(USER, "feedly.opml", FEEDLY, user_id=USER)  # not an administrator
    await wait_for(lambda: len(double.sent(USER)) == 1)
    assert double.sent(USER)[0]["text"] == "I read one kind of file: an .opml list of feeds, sent by an administrator."


async def test_a_slow_resolver_for_a_feed_host_holds_no_other_chat(app, double, monkeypatch):
    import socket
    import time

    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host != "slow-dns.example":
            return real(host, port, *args, **kwargs)
        time.sleep(
            1.8
        )  # a slow resolver, within the 2 s deadline; the answer is loopback, so nothing leaves the machine
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    double.push_message(ADMIN, "/feeds add http://slow-dns.example/rss", user_id=ADMIN)
    await asyncio.sleep(0.3)
    [_brief] = await say(double, "/brief gaza")
    assert double.sent(ADMIN) == []  # answered while the feed's host was still being resolved
    await wait_for(lambda: double.sent(ADMIN))
    assert double.sent(ADMIN)[0]["text"].startswith("Added feed http://slow-dns.example/rss. First poll: error")


async def test_the_feed_list_is_sent_a_page_at_a_time(app, double, httpserver):
    for n in range(25):
        await say(double, f"/feeds add {httpserver.url_for(f'/f{n}.xml')}", chat_id=ADMIN)
    [first] = await say(double, "/feeds list", chat_id=ADMIN)
    [second] = await say(double, "/feeds list 2", chat_id=ADMIN)
    assert first["text"].startswith("<b>25 feeds, page 1 of 2</b>") and first["text"].count("• ") == 20
    assert first["text"].endswith("Next: /feeds list 2")
    assert second["text"].startswith("<b>25 feeds, page 2 of 2</b>") and second["text"].count("• ") == 5


async def test_a_flooding_chat_holds_up_no_other_chat_and_is_told_once(app, double):
    from bot.handlers import TOO_BUSY
    from bot.updates import MAX_QUEUED_PER_CHAT

    for _ in range(150):
        double.push_message(USER, "/brief gaza", user_id=USER)
    await wait_for(lambda: double.sent(USER))  # the flood is being answered
    start = asyncio.get_running_loop().time()
    [reply] = await say(double, "/help", chat_id=8)
    assert asyncio.get_running_loop().time() - start < 1.5 and "/brief" in reply["text"]
    await wait_for(lambda: len(double.sent(USER)) >= MAX_QUEUED_PER_CHAT + 2, timeout=60)
    await asyncio.sleep(1)
    texts = [m["text"] for m in double.sent(USER)]
    assert texts.count(TOO_BUSY) == 1
    assert MAX_QUEUED_PER_CHAT + 1 <= len(texts) - 1 < 150


def count_writer_trips(app, monkeypatch) -> list[str]:
    """Record every call the bot sends to the writer thread, by name."""
    runner = app.bot_data.runner
    trips: list[str] = []

    def counting(real):
        async def counted(fn, /, *args, **kwargs):
            trips.append(fn.__name__)
            return await real(fn, *args, **kwargs)

        return counted

    monkeypatch.setattr(runner, "run", counting(runner.run))
    monkeypatch.setattr(runner, "run_background", counting(runner.run_background))
    return trips


async def test_a_brief_on_every_subscription_is_one_writer_trip(app, double, monkeypatch):
    await say(double, "/subscribe Gaza")
    await say(double, "/subscribe Hezbollah")
    trips = count_writer_trips(app, monkeypatch)
    replies = await say(double, "/brief", expect=2)
    assert [r["text"].split("\n")[0] for r in replies] == ["<b>Briefing: Gaza</b>", "<b>Briefing: Hezbollah</b>"]
    assert trips == ["brief_chat"]


@pytest.mark.parametrize("topics", [["Gaza"], ["Gaza", "Hezbollah", "Blinken"]])
async def test_a_digest_is_three_writer_trips_whatever_its_topics(app, double, monkeypatch, topics):
    for topic in topics:
        await say(double, f"/subscribe {topic}")
    await say(double, "/digest 08:00 UTC")
    trips = count_writer_trips(app, monkeypatch)
    status = await digests.deliver(app, USER, datetime(2030, 1, 2, 8, 0, 30, tzinfo=UTC))
    assert status == "sent"
    assert trips == ["claim_digest", "answer_for" if len(topics) == 1 else "button_tokens", "close_digest"]
