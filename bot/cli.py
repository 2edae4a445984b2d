"""The `briefbot` command line: ingest, feeds, brief, who, changes, eval, console, start."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot import render
from bot.settings import Settings, SettingsError, load_settings
from service.app import (
    SUMMARY_METHODS,
    DatabaseError,
    FetchPolicy,
    InputError,
    ModelNotInstalled,
    Service,
    StoreError,
    parse_since,
    preflight,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# The command line's own chat for `changes` and `brief --chat`: Telegram never uses chat id 0.
LOCAL_CHAT = 0


def chat_id(value: str) -> int:
    """A chat id as Telegram and SQLite can hold it (a signed 64-bit integer)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a chat id is a whole number, not {value[:30]!r}") from None
    if not -(2**63) <= number < 2**63:
        raise argparse.ArgumentTypeError(f"chat id {value[:30]} is out of range")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="briefbot", description="Extractive, source-attributed news briefings.")
    parser.add_argument("--db", help="SQLite database file (default: BRIEFBOT_DB or data/briefbot.db)")
    parser.add_argument("--json", action="store_true", default=False, help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        # SUPPRESS: a subcommand without --json keeps a --json given before it.
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
        return p

    p = add("ingest", "ingest files, folders, web pages and feeds")
    p.add_argument("targets", nargs="+", metavar="PATH|URL")
    p.add_argument("--published", help="publication date (YYYY-MM-DD) for items that have none")
    p = add("feeds", "manage RSS/Atom/JSON feeds; import and export OPML subscription lists")
    p.add_argument("action", choices=["add", "list", "remove", "poll", "import", "export"])
    p.add_argument("url", nargs="?", metavar="URL|FILE", help="a feed URL; an .opml file to import or to write")
    p = add("trend", "a chart of a story's coverage and its five most-named entities, day by day (PNG)")
    p.add_argument("topic", nargs="*")
    p.add_argument("--days", help="how many days, ending with the newest article (default 30)")
    p.add_argument("--out", default="trend.png", help="where to write the PNG (default trend.png)")
    p = add("feed", "a topic's briefing as an Atom feed, for any feed reader")
    p.add_argument("topic", nargs="*")
    p.add_argument("--out", help="where to write the feed (default: standard output)")
    p = add("brief", "a briefing on a topic (full-text query or entity), or the top stories")
    p.add_argument("topic", nargs="*")
    p.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    p.add_argument("--sentences", "-n", help="number of sentences, or short|medium|long")
    p.add_argument("--method", default="news", help=f"ranking method: {', '.join(SUMMARY_METHODS)}")
    p.add_argument(
        "--chat",
        type=chat_id,
        default=LOCAL_CHAT,
        help=f"record the briefing as delivered to this chat (default {LOCAL_CHAT}, the command line's own)",
    )
    p = add("timeline", "the most important dates of a story, one sentence each")
    p.add_argument("topic", nargs="*")
    p.add_argument("--dates", "-n", help="how many dates (default 8)")
    p = add("who", "an entity profile")
    p.add_argument("name", nargs="+")
    p = add("changes", "what changed since the last briefing on a topic (the command line's own chat by default)")
    p.add_argument("topic", nargs="*")
    p.add_argument(
        "--chat",
        type=chat_id,
        default=LOCAL_CHAT,
        help=f"a Telegram chat id (default {LOCAL_CHAT}: the command line's own briefings)",
    )
    p = add("eval", "evaluation against gold data: ROUGE for summaries and updates, /who for entities")
    p.add_argument("kind", choices=["summaries", "updates", "entities", "timelines", "junk", "credits", "delivery"])
    p.add_argument("files", nargs="+")
    p.add_argument("--limit", type=int, help="evaluate only the first N items")
    p.add_argument("--store", help="entities: reuse (or create) this database instead of a fresh in-memory one")
    add("stats", "store statistics")
    p = add("check", "check the database file page by page (opening it does not: that takes time linear in its size)")
    p.add_argument("--full", action="store_true", help="also compare every index with its table (slower)")
    add("console", "the offline console chat")
    add("start", "run the bot: Telegram with a token, the offline console without")
    add("seed-if-empty", "ingest seeds/ when the database is empty")
    return parser


def _service(settings: Settings, db: str | None) -> Service:
    policy = FetchPolicy(settings.fetch_timeout, settings.fetch_max_bytes, settings.allow_private_urls)
    return Service.open(db or settings.db_path, settings.spacy_model, policy)


def _progress():
    if not sys.stderr.isatty():
        return None
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        bar = "#" * min(30, done[0] // 4 + 1)
        print(f"\r  ingesting [{bar:<30}] {done[0]} items", end="", file=sys.stderr, flush=True)

    return tick


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `briefbot` console script and `python -m bot`."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at interpreter exit
        return status
    except BrokenPipeError:
        # `briefbot brief | head`: the reader left; exit quietly instead of a traceback at shutdown.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _configure_logging(settings: Settings, interactive: bool) -> None:
    # The console shows only the conversation: its logs go to stderr, and only warnings and errors.
    level = "WARNING" if interactive and settings.log_level in {"DEBUG", "INFO"} else settings.log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    console = args.command == "console" or (args.command == "start" and not settings.token)
    _configure_logging(settings, console or args.command != "start")
    try:
        if args.command in {"start", "console"}:
            # Fail now, with one line, rather than inside the running bot.
            preflight(args.db or settings.db_path, settings.spacy_model)
            return run(settings, args.db, console)
        service = _service(settings, args.db)
    except StoreError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, service)
    except (InputError, ModelNotInstalled) as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(
            f"briefbot: the database is damaged ({exc}); `briefbot check` tells where, restore it from a backup",
            file=sys.stderr,
        )
        return 2
    finally:
        service.close()


def run(settings: Settings, db_path: str | None = None, console: bool = False) -> int:
    """Run the bot until interrupted: the console without a token, polling or webhook with one."""
    if console:
        from bot.console import run_console

        return asyncio.run(run_console(settings, db_path))
    from bot.telegram_app import build_application

    app = build_application(settings, db_path)
    if settings.webhook_url:
        app.run_webhook(
            listen="0.0.0.0",
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query"])
    return 0


def _emit(args: argparse.Namespace, data: dict, html_text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(render.to_plain(html_text))


def _option(name: str, parse, value):
    """Parse an option's value with the service's parser; its error names the option."""
    try:
        return parse(value)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _dispatch(args: argparse.Namespace, service: Service) -> int:
    if args.command == "ingest":
        progress = _progress()
        report = service.ingest(args.targets, _option("--published", parse_since, args.published), progress)
        if progress:
            print(file=sys.stderr)
        _emit(args, report.as_dict(), render.ingest_report(report, limit=1000))
        return 1 if report.failed else 0
    if args.command == "seed-if-empty":
        if not service.is_empty():
            print("Database already has articles; not seeding.")
            return 0
        report = service.ingest([str(SEEDS)])
        print(render.to_plain(render.ingest_report(report)))
        return 1 if report.failed else 0
    if args.command == "feeds":
        return _feeds(args, service)
    if args.command == "brief":
        b = service.brief(
            " ".join(args.topic), _option("--since", parse_since, args.since), args.sentences, args.method, args.chat
        )
        _emit(args, b.as_dict(), render.briefing(b))
        return 0
    if args.command == "trend":
        from bot.chart import trend_caption, trend_png

        trend = service.trend(" ".join(args.topic), args.days)
        if not trend.days:
            raise InputError(trend.message)
        _write(args.out, trend_png(trend))
        _emit(
            args,
            {**trend.as_dict(), "file": args.out},
            render.esc(f"{trend_caption(trend)}\nChart written to {args.out}"),
        )
        return 0
    if args.command == "feed":
        _output(args.out, service.briefing_feed(" ".join(args.topic)), "Atom feed")
        return 0
    if args.command == "timeline":
        t = service.timeline(" ".join(args.topic), args.dates)
        _emit(args, t.as_dict(), render.timeline(t))
        return 0
    if args.command == "who":
        lookup, profile = service.who(" ".join(args.name))
        if profile:
            _emit(args, profile.as_dict(), render.profile(profile))
        else:
            data = {
                "message": lookup.message,
                "candidates": [e.__dict__ for e in lookup.candidates],
                "suggestions": [e.__dict__ for e in lookup.suggestions],
            }
            _emit(args, data, render.lookup(lookup))
        return 0 if profile else 1
    if args.command == "changes":
        c = service.changes(args.chat, " ".join(args.topic))
        _emit(args, c.as_dict(), render.changes(c))
        return 0
    if args.command == "check":
        problems = service.check(args.full)
        _emit(
            args,
            {"ok": not problems, "problems": problems},
            render.esc("\n".join(problems[:50]) if problems else "The database is sound."),
        )
        return 1 if problems else 0
    if args.command == "stats":
        stats = service.stats()
        _emit(args, stats, render.stats(stats))
        return 0
    if args.command == "eval":
        missing = [f for f in args.files if not Path(f).is_file()]
        if missing:
            raise InputError(f"cannot read {missing[0]}: no such file")
        if args.kind == "timelines":
            from service.timeline_eval import EvaluationExtraMissing, eval_timelines

            try:
                table, data = eval_timelines(args.files[0], service.nlp)
            except EvaluationExtraMissing as exc:
                raise InputError(str(exc)) from None
        elif args.kind == "entities":
            from service.entity_eval import eval_entities

            if len(args.files) != 2:
                raise InputError("eval entities needs GOLD_FILE and TOPICS_FILE")
            table, data = eval_entities(args.files[0], args.files[1], service.nlp, args.store)
        else:
            from service.evaluation import run_eval

            table, data = run_eval(
                args.kind, args.files, args.limit, render=lambda c: render.to_plain(render.changes(c))
            )
        if args.json:
            print(json.dumps(data, indent=2))
        else:
            print(table)
        return 0
    raise AssertionError(args.command)


def _write(path: str, data: bytes) -> None:
    """Write a file the user asked for; a path that cannot be written is one line."""
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _output(path: str | None, data: bytes, what: str) -> None:
    """Write ``data`` to the file asked for (saying so), or to standard output."""
    if path:
        _write(path, data)
        print(f"{what} written to {path}")
    else:
        sys.stdout.write(data.decode("utf-8"))


def _feeds(args: argparse.Namespace, service: Service) -> int:
    if args.action == "export":
        _output(args.url, service.export_feeds(), f"{len(service.feeds())} feeds")
        return 0
    if args.action == "import":
        if not args.url:
            raise InputError("feeds import needs an .opml file")
        try:
            data = Path(args.url).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {args.url}: {exc.strerror or exc}") from None
        report = service.import_feeds(data)
        _emit(args, report.as_dict(), render.feed_import(report))
        return 1 if report.refused else 0
    if args.action == "list":
        feeds = service.feeds()
        lines = [
            f"{f.url} — {f.title or 'untitled'} (last poll: {f.last_polled_at or 'never'}, {f.last_status or '-'})"
            for f in feeds
        ]
        _emit(args, {"feeds": [f.__dict__ for f in feeds]}, render.esc("\n".join(lines) or "No feeds."))
        return 0
    if args.action == "poll":
        polls = service.poll_feeds()
        _emit(
            args,
            {"polls": [{"url": p.url, "status": p.status} for p in polls]},
            render.esc("\n".join(f"{p.url}: {p.status}" for p in polls) or "No feeds."),
        )
        return 1 if any(p.status.startswith("error") for p in polls) else 0
    if not args.url:
        raise InputError(f"feeds {args.action} needs a URL")
    if args.action == "add":
        feed, new = service.add_feed(args.url)
        _emit(
            args, {"url": feed.url, "added": new}, render.esc(("Added " if new else "Already subscribed: ") + feed.url)
        )
        return 0
    removed = service.remove_feed(args.url)
    _emit(
        args,
        {"url": args.url, "removed": removed},
        render.esc(("Removed " if removed else "Not subscribed: ") + args.url),
    )
    return 0 if removed else 1
