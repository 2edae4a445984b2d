"""The one place that writes Telegram HTML: every dynamic value escaped, long messages split safely."""

from __future__ import annotations

import html
import re
from datetime import date

from service.briefing import Briefing, Citation
from service.changes import Changes
from service.ingest import IngestReport
from service.profiles import Lookup, Profile
from service.timeline import Timeline

LIMIT = 4096
LABELS = {
    "PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "facility",
    "NORP": "group", "EVENT": "event", "LAW": "law", "PRODUCT": "product", "WORK_OF_ART": "work",
    "LANGUAGE": "language",
}


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
    parts = [f"<b>{esc(title)}</b>{esc(window)}\n"
             f"<i>{plural(shown, 'sentence')} from {plural(len(b.article_ids), 'article')}</i>"]
    if b.background:
        parts.append(f"<b>Latest</b> ({esc(day_label(b.items[0].citations[0].published_at))})")
    for item in b.items:
        parts.append(f"• <b>{esc(day_label(item.citations[0].published_at))}</b>: {esc(item.text)} {cites(item.citations)}")
    if b.background:
        lines = [
            f"• <b>{esc(day_label(day))}</b>: {esc(item.text)} {cites(item.citations)}"
            for day, items in b.background for item in items
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
    parts = [f"<b>{esc(title)}</b>\n<i>{plural(len(t.entries), 'date')} from {plural(len(t.article_ids), 'article')}</i>"]
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
        parts.append("<b>Roles</b>\n" + "\n".join(
            f"• {esc(r.role)} — {plural(r.articles, 'article')} {cites(r.sources)}" for r in p.roles[:6]
        ))
    for history in p.offices:
        holders = " → ".join(f"{esc(name)} ({esc(first)})" for name, first, _ in history.holders)
        where = f"{esc(history.scope)} " if history.scope else ""
        parts.append(f"<b>{where}{esc(history.office)} over time:</b> {holders}")
    for conflict in p.conflicts:
        head = f"⚠️ <b>Sources disagree</b> on who is {esc(conflict.office)}:"
        claims = "\n".join(f"• {esc(person)}: {esc(role)} ({cite(c)})" for person, role, c in conflict.claims)
        parts.append(f"{head}\n{claims}")
    seen = f"{esc(p.first_seen[:10])} to {esc(p.last_seen[:10])}" if p.first_seen else "never"
    times = "once" if p.mentions == 1 else f"{p.mentions} times"
    articles = "1 article" if p.articles == 1 else f"{p.articles} articles"
    parts.append(f"Mentioned {times} in {articles}, {seen}.")
    if p.related:
        parts.append("<b>Often with:</b> " + ", ".join(f"{esc(e.name)} ({n})" for e, n in p.related))
    if p.sentences:
        parts.append("<b>Latest</b>\n" + "\n".join(f"• {esc(t)} ({cite(c)})" for t, c in p.sentences))
    return "\n\n".join(parts)


def changes(c: Changes) -> str:
    """A diff as HTML (or the full briefing for a chat's first one)."""
    if c.briefing is not None:
        return briefing(c.briefing, heading=f"First briefing on {c.topic}" if c.topic else None)
    if c.is_empty:
        return esc(c.message)
    since = c.since[:16].replace("T", " ") if c.since else ""
    parts = [f"<b>What changed: {esc(c.topic or 'top stories')}</b>\n<i>{plural(c.new_articles, 'new article')} since {esc(since)} UTC</i>"]
    if c.developments:
        parts.append("<b>New developments</b>\n" + "\n".join(f"• {esc(i.text)} {cites(i.citations)}" for i in c.developments))
    if c.new_entities:
        lines = [f"• <b>{esc(n.entity.name)}</b> ({esc(label_name(n.entity.label))}): {esc(n.sentences[0][1])} ({cite(n.sentences[0][2])})" for n in c.new_entities]
        parts.append("<b>New in the story</b>\n" + "\n".join(lines))
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
            where = "" if not f.scope else (" worldwide" if f.scope == "worldwide" else f" in {esc(f.scope)}")
            chain = " → ".join(f"{esc(v)} ({cite(ci)})" for v, ci in f.values)
            lines.append(f"• {subject}{esc(f.attribute)}{where}: {chain}")
        parts.append("<b>Changed facts</b>\n" + "\n".join(lines))
    if c.quiet:
        parts.append("<i>Gone quiet: " + ", ".join(esc(e.name) for e in c.quiet) + "</i>")
    return "\n\n".join(parts)


def ingest_report(report: IngestReport, limit: int = 10) -> str:
    """An ingest's outcome: the closing counts and one line per failure."""
    lines = [esc(f"Ingested: {report.summary()}.")]
    for item in [i for i in report.items if i.status == "failed"][:limit]:
        lines.append(f"• {esc(item.origin)}: {esc(item.reason)}")
    for item in [i for i in report.items if i.status == "new"][:limit]:
        lines.append(f"• new: {esc(item.title)}")
    return "\n".join(lines)


def _split_long_line(line: str, limit: int) -> list[str]:
    """Split one over-long line at spaces outside tags and entities, closing and reopening open tags."""
    pieces, current, open_tags = [], "", []
    for token in re.split(r"(<[^>]*>|\s+)", line):
        if not token:
            continue
        closing = "".join(f"</{t.split()[0].strip('<>')}>" for t in reversed(open_tags))
        if len(current) + len(token) + len(closing) > limit and current.strip():
            pieces.append(current.rstrip() + closing)
            current = "".join(open_tags)
        if len(token) > limit:  # a single word longer than a message: cut it, outside any tag
            while len(token) > limit - len(current) - 64:
                room = max(1, limit - len(current) - 64)
                cut = room
                amp = token.rfind("&", 0, cut)
                if amp != -1 and ";" not in token[amp:cut]:
                    cut = amp or room
                pieces.append(current + token[:cut] + closing)
                current, token = "".join(open_tags), token[cut:]
        current += token
        if token.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif token.startswith("<") and not token.endswith("/>"):
            open_tags.append(token)
    if current.strip():
        pieces.append(current)
    return pieces


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split HTML into messages of at most ``limit`` characters, on paragraph, then line boundaries."""
    if len(text) <= limit:
        return [text]
    messages: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        units = [paragraph] if len(paragraph) <= limit else paragraph.split("\n")
        for i, unit in enumerate(units):
            sep = "\n\n" if i == 0 else "\n"
            for piece in ([unit] if len(unit) <= limit else _split_long_line(unit, limit)):
                if current and len(current) + len(sep) + len(piece) > limit:
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
