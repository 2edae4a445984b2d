"""The one place that writes Telegram HTML: every dynamic value escaped, long messages split safely."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # result types, for annotations only: rendering never loads the service's NLP
    from service.app import (
        Briefing,
        Changes,
        Chat,
        Citation,
        Digest,
        EntityNews,
        FeedImport,
        FeedPage,
        IngestReport,
        Lookup,
        Profile,
        Timeline,
    )

LIMIT = 4096  # Telegram's message limit, in UTF-16 code units
LABELS = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "facility",
    "NORP": "group",
    "EVENT": "event",
    "LAW": "law",
    "PRODUCT": "product",
    "WORK_OF_ART": "work",
    "LANGUAGE": "language",
}


def tg_len(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def esc(value: object) -> str:
    """HTML-escape any dynamic value for text content (&, <, >)."""
    return html.escape(str(value), quote=False)


def label_name(label: str) -> str:
    """A reader's word for a spaCy label."""
    return LABELS.get(label, label.lower())


def cite(c: Citation) -> str:
    """'Outlet, 2024-10-22' linked to the article when it has a URL."""
    text = f"{esc(c.source)}, {esc(c.published_at[:10])}"
    if c.url and re.match(r"^https?://", c.url):
        return f'<a href="{html.escape(c.url, quote=True)}">{text}</a>'
    return text


def cites(citations: list[Citation]) -> str:
    """All citations of a sentence: '(VOA, 2024-10-22; Webdesk, 2024-10-22)'."""
    return "(" + "; ".join(cite(c) for c in citations) + ")"


def day_label(day: str) -> str:
    """'2024-10-22' -> '22 Oct 2024'."""
    try:
        return date.fromisoformat(day[:10]).strftime("%-d %b %Y")
    except ValueError:
        return day


def briefing(b: Briefing, heading: str | None = None) -> str:
    """A briefing as HTML: the latest developments, each dated and sourced, then the background by day."""
    if not b.items:
        return esc(b.message or "Nothing to brief.")
    title = heading or (f"Briefing: {b.topic}" if b.topic else "Briefing: top stories")
    window = f" since {b.since}" if b.since else ""
    shown = len(b.shown)
    parts = [
        f"<b>{esc(title)}</b>{esc(window)}\n"
        f"<i>{plural(shown, 'sentence')} from {plural(len(b.article_ids), 'article')}</i>"
    ]
    if b.background:
        parts.append(f"<b>Latest</b> ({esc(day_label(b.items[0].citations[0].published_at))})")
    for item in b.items:
        parts.append(
            f"• <b>{esc(day_label(item.citations[0].published_at))}</b>: {esc(item.text)} {cites(item.citations)}"
        )
    if b.background:
        lines = [
            f"• <b>{esc(day_label(day))}</b>: {esc(item.text)} {cites(item.citations)}"
            for day, items in b.background
            for item in items
        ]
        parts.append("<b>Background</b>\n" + "\n".join(lines))
    if b.entities:
        parts.append("<b>In this briefing:</b> " + ", ".join(esc(e.name) for e, _ in b.entities[:6]))
    return "\n\n".join(parts)


def timeline(t: Timeline) -> str:
    """A timeline as HTML: one dated, sourced sentence per date, oldest first."""
    if not t.entries:
        return esc(t.message or "No dates to show.")
    title = f"Timeline: {t.topic}" if t.topic else "Timeline: top stories"
    parts = [
        f"<b>{esc(title)}</b>\n<i>{plural(len(t.entries), 'date')} from {plural(len(t.article_ids), 'article')}</i>"
    ]
    for entry in t.entries:
        parts.append(f"<b>{esc(day_label(entry.day))}</b> — {esc(entry.item.text)} {cites(entry.item.citations)}")
    return "\n\n".join(parts)


def plural(n: int, noun: str) -> str:
    """'1 article', '3 articles'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def lookup(result: Lookup) -> str:
    """A name that did not resolve to one entity: candidates, suggestions or the reason."""
    lines = [esc(result.message)]
    for entity in result.candidates or result.suggestions:
        lines.append(f"• {esc(entity.name)} ({esc(label_name(entity.label))})")
    return "\n".join(lines)


def profile(p: Profile) -> str:
    """An entity profile as HTML."""
    parts = [f"<b>{esc(p.entity.name)}</b> — {esc(label_name(p.entity.label))}"]
    if p.aliases:
        parts[0] += "\nAlso written: " + ", ".join(esc(a) for a in p.aliases[:6])
    if p.roles:
        parts.append(
            "<b>Roles</b>\n"
            + "\n".join(f"• {esc(r.role)} — {plural(r.articles, 'article')} {cites(r.sources)}" for r in p.roles[:6])
        )
    for history in p.offices:
        holders = " → ".join(f"{esc(name)} ({esc(first)})" for name, first, _ in history.holders)
        where = f"{esc(history.scope)} " if history.scope else ""
        parts.append(f"<b>{where}{esc(history.office)} over time:</b> {holders}")
    for conflict in p.conflicts:
        head = f"⚠️ <b>Sources disagree</b> on who is {esc(conflict.office)}:"
        claims = "\n".join(f"• {esc(person)}: {esc(role)} ({cite(c)})" for person, role, c in conflict.claims)
        parts.append(f"{head}\n{claims}")
    seen = f"{esc(p.first_seen[:10])} to {esc((p.last_seen or p.first_seen)[:10])}" if p.first_seen else "never"
    times = "once" if p.mentions == 1 else f"{p.mentions} times"
    articles = "1 article" if p.articles == 1 else f"{p.articles} articles"
    parts.append(f"Mentioned {times} in {articles}, {seen}.")
    if p.related:
        parts.append("<b>Often with:</b> " + ", ".join(f"{esc(e.name)} ({n})" for e, n in p.related))
    if p.sentences:
        parts.append("<b>Latest</b>\n" + "\n".join(f"• {esc(t)} ({cite(c)})" for t, c in p.sentences))
    return "\n\n".join(parts)


def changes(c: Changes, zone: str = "UTC") -> str:
    """A diff as HTML (or the full briefing for a chat's first one), its times in the chat's zone."""
    if c.briefing is not None:
        return briefing(c.briefing, heading=f"First briefing on {c.topic}" if c.topic else None)
    if c.is_empty:
        if c.since:  # nothing new since the chat's last briefing: said in the chat's time, as digests say it
            return esc(f"Nothing new on “{c.topic or 'the top stories'}” since {when(c.since, zone)}.")
        return esc(c.message)
    since = when(c.since, zone) if c.since else ""
    parts = [
        f"<b>What changed: {esc(c.topic or 'top stories')}</b>\n"
        f"<i>{plural(c.new_articles, 'new article')} since {esc(since)}</i>"
    ]
    if c.developments:
        parts.append(
            "<b>New developments</b>\n" + "\n".join(f"• {esc(i.text)} {cites(i.citations)}" for i in c.developments)
        )
    people = [n for n in c.new_entities if n.entity.label == "PERSON"]
    others = [n for n in c.new_entities if n.entity.label != "PERSON"]
    if people:
        parts.append("<b>New people</b>\n" + "\n".join(_entity_line(n) for n in people))
    if c.updated_entities:
        lines = []
        for n in c.updated_entities:
            said = " ".join(f"{esc(t)} ({cite(ci)})" for _, t, ci in n.sentences)
            lines.append(f"• <b>{esc(n.entity.name)}</b>: {said}")
        parts.append("<b>New about</b>\n" + "\n".join(lines))
    if c.fact_changes:
        lines = []
        for f in c.fact_changes:
            subject = f"{esc(f.subject)} — " if f.subject else ""
            chain = " → ".join(f"{esc(v)} ({cite(ci)})" for v, ci in f.values)
            lines.append(f"• {subject}{esc(f.attribute)}{esc(f.where)}: {chain}")
        parts.append("<b>Changed figures</b>\n" + "\n".join(lines))
    if others:
        parts.append("<b>Also new:</b> " + ", ".join(esc(n.entity.name) for n in others))
    if c.quiet:
        parts.append("<i>Gone quiet: " + ", ".join(esc(e.name) for e in c.quiet) + "</i>")
    if c.left_out:
        parts.append(f"<i>{plural(c.left_out, 'more line')}: tap More, or /changes {esc(c.topic)} long</i>")
    return "\n\n".join(parts)


def _entity_line(n: EntityNews) -> str:
    """'• Gideon Saar — Israeli Foreign Minister; “met Blinken in Rome” (Outlet, date)'."""
    details = []
    if n.role:
        details.append(esc(n.role))
    if n.clause:
        details.append(f"“{esc(n.clause)}”")
    said = " — " + "; ".join(details) if details else ""
    credit = f" ({cite(n.sentences[0][2])})" if n.clause and n.sentences else ""
    return f"• <b>{esc(n.entity.name)}</b>{said}{credit}"


def utc_minute(iso: str) -> str:
    """A stored UTC time to the minute: '2024-10-22T08:00:31+00:00' -> '2024-10-22 08:00 UTC'."""
    return iso[:16].replace("T", " ") + " UTC"


def when(iso: str, zone: str = "UTC") -> str:
    """'22 Nov 14:05 CET' in the chat's time zone, named (the year only when it is not this year's)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%-d %b %H:%M %Z" if local.year == datetime.now(local.tzinfo).year else "%-d %b %Y %H:%M %Z")


def digest_header(d: Digest) -> str:
    """A digest's opening: the date, the chat's topics, and one line per topic with nothing new."""
    day = d.scheduled.astimezone(ZoneInfo(d.chat.timezone)).strftime("%a %-d %b")
    lines = [f"<b>Your daily digest, {esc(day)}</b>", "<i>Topics: " + ", ".join(esc(t) for t, _ in d.topics) + "</i>"]
    if d.news:
        lines.append(f"New on {plural(len(d.news), 'topic')}: " + ", ".join(esc(t) for t, _ in d.news) + ".")
    if not d.chat.digest_quiet:
        for topic, c in d.quiet:
            since = f" since {esc(when(c.since, d.chat.timezone))}" if c.since else ""
            lines.append(f"Nothing new on “{esc(topic)}”{since}.")
    return "\n".join(lines)


def digest(d: Digest) -> str:
    """A whole digest as one document: the header, then what changed on each topic with news."""
    return "\n\n".join([digest_header(d)] + [changes(c, d.chat.timezone) for _, c in d.news])


def topics(chat: Chat, subscriptions: list[str]) -> str:
    """/topics: the chat's subscriptions and digest settings."""
    lines = ["<b>Your topics</b>"] + ([f"• {esc(t)}" for t in subscriptions] or ["none yet — /subscribe Gaza"])
    digest = f"daily at {chat.digest_time} ({chat.timezone})" if chat.digest_time else "off"
    quiet = "left out" if chat.digest_quiet else "listed as “nothing new”"
    lines += [
        "",
        f"Digest: {esc(digest)}",
        f"Quiet topics in the digest: {quiet} (/digest quiet on|off)",
        f"Length: {esc(chat.length)}",
    ]
    return "\n".join(lines)


def feed_import(report: FeedImport) -> str:
    """What importing a subscription list did, with one line per refused feed."""
    lines = [
        esc(
            f"Imported {plural(len(report.added), 'new feed')}; {len(report.already)} already polled; "
            f"{len(report.refused)} refused."
        )
    ]
    lines += [f"• {esc(url)}: {esc(reason)}" for url, reason in report.refused[:20]]
    return "\n".join(lines)


def feeds(page: FeedPage) -> str:
    """/feeds list: one page of feeds, each with its last poll, and where the next page is."""
    if not page.total:
        return esc("No feeds. Add one with /feeds add <url>.")
    heading = plural(page.total, "feed") + (f", page {page.page} of {page.pages}" if page.pages > 1 else "")
    lines = [f"<b>{esc(heading)}</b>"]
    for f in page.feeds:
        title = f"{esc(f.title)} — " if f.title else ""
        polled = f"{esc(f.last_status)} ({esc(utc_minute(f.last_polled_at))})" if f.last_polled_at else "not polled yet"
        lines.append(f"• {title}{esc(f.url)}\n  {polled}")
    if page.page < page.pages:
        lines.append(f"\nNext: /feeds list {page.page + 1}")
    return "\n".join(lines)


STAT_LABELS = {
    "database": "Database",
    "articles": "Articles",
    "near_duplicates": "Near-duplicates set aside",
    "sources": "Sources",
    "newest_article": "Newest article",
    "sentences": "Sentences",
    "entities": "Entities",
    "feeds": "Feeds",
    "chats": "Active chats",
    "digest_chats": "Chats with a daily digest",
    "subscriptions": "Subscriptions",
    "last_feed_poll": "Last feed poll",
    "last_digest_run": "Last digest run",
}


def _stat_value(key: str, value: object) -> str:
    if value is None:
        return "never"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    text = str(value)
    if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", text):
        return utc_minute(text)
    return day_label(text) if re.match(r"^\d{4}-\d\d-\d\d$", text) else text


def stats(data: dict) -> str:
    """/stats: the store and the bot, one labelled line each."""
    lines = ["<b>briefbot statistics</b>"]
    for key, value in data.items():
        label = STAT_LABELS.get(key, key.replace("_", " ").capitalize())
        lines.append(f"{esc(label)}: <b>{esc(_stat_value(key, value))}</b>")
    return "\n".join(lines)


def ingest_report(report: IngestReport, limit: int = 10) -> str:
    """An ingest's outcome: the closing counts and one line per failure."""
    lines = [esc(f"Ingested: {report.summary()}.")]
    for item in [i for i in report.items if i.status == "failed"][:limit]:
        lines.append(f"• {esc(item.origin)}: {esc(item.reason)}")
    for item in [i for i in report.items if i.status == "new"][:limit]:
        lines.append(f"• new: {esc(item.title)}" + (f" ({esc(item.reason)})" if item.reason else ""))
    return "\n".join(lines)


def _prefix_within(token: str, units: int) -> int:
    """How many characters of ``token`` fit in ``units`` UTF-16 code units (at least one)."""
    size = 0
    for index, char in enumerate(token):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > units:
            return max(1, index)
    return len(token)


def _split_long_line(line: str, limit: int) -> list[str]:
    """Split one over-long line at spaces outside tags and entities, closing and reopening open tags."""
    pieces: list[str] = []
    current = ""
    open_tags: list[str] = []
    for token in re.split(r"(<[^>]*>|\s+)", line):
        if not token:
            continue
        closing = "".join(f"</{t.split()[0].strip('<>')}>" for t in reversed(open_tags))
        if (
            tg_len(current) + tg_len(token) + tg_len(closing) > limit
            and current.strip()
            and current != "".join(open_tags)
        ):
            pieces.append(_drop_empty_elements(current.rstrip() + closing))
            current = "".join(open_tags)
        if tg_len(token) > limit:  # a single word longer than a message: cut it, outside any tag
            while tg_len(token) > limit - tg_len(current) - 64:
                cut = _prefix_within(token, max(1, limit - tg_len(current) - 64))
                amp = token.rfind("&", 0, cut)
                if amp > 0 and ";" not in token[amp:cut]:
                    cut = amp
                pieces.append(_drop_empty_elements(current + token[:cut] + closing))
                current, token = "".join(open_tags), token[cut:]
        current += token
        if token.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif token.startswith("<") and not token.endswith("/>"):
            open_tags.append(token)
    if current.strip():
        pieces.append(_drop_empty_elements(current))
    return [piece for piece in pieces if piece.strip()]


EMPTY_ELEMENT = re.compile(r"<([a-z][a-z-]*)(?:\s[^>]*)?>(\s*)</\1>")


def _drop_empty_elements(html_text: str) -> str:
    """Remove elements a split left empty (``<b></b>``, ``<a href="…"></a>``): a strict Bot API refuses them."""
    while True:
        shorter = EMPTY_ELEMENT.sub(r"\2", html_text)
        if shorter == html_text:
            return html_text
        html_text = shorter


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split HTML into messages of at most ``limit`` UTF-16 code units, on paragraph, then line boundaries."""
    if tg_len(text) <= limit:
        return [text]
    messages: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        units = [paragraph] if tg_len(paragraph) <= limit else paragraph.split("\n")
        for i, unit in enumerate(units):
            sep = "\n\n" if i == 0 else "\n"
            for piece in [unit] if tg_len(unit) <= limit else _split_long_line(unit, limit):
                if current and tg_len(current) + len(sep) + tg_len(piece) > limit:
                    messages.append(current)
                    current = ""
                current = f"{current}{sep}{piece}" if current else piece
    if current:
        messages.append(current)
    return messages


def to_plain(text: str) -> str:
    """HTML to terminal text: links become 'text (url)', tags go, entities unescape."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))
