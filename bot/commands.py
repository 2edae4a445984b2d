"""The command line's commands: settings, the database and the service, then one function per command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import urlsplit

from bot import render
from bot.settings import Settings, SettingsError, load_settings
from service.app import (
    DatabaseError,
    FetchPolicy,
    InputError,
    ModelNotInstalled,
    Service,
    StoreError,
    describe,
    failure,
    parse_since,
    preflight,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


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


def _configure_logging(settings: Settings, interactive: bool) -> None:
    # The console shows only the conversation: its logs go to stderr, and only warnings and errors.
    level = "WARNING" if interactive and settings.log_level in {"DEBUG", "INFO"} else settings.log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # its per-job chatter; digests log one line each


def execute(args: argparse.Namespace) -> int:
    """Run a parsed command: settings, the database, the command, one line for every error."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    console = args.command == "console" or (args.command == "start" and not settings.token)
    _configure_logging(settings, console or args.command not in {"start", "worker"})
    try:
        if args.command == "worker":
            if not settings.token:
                raise StoreError("a digest worker sends through Telegram: set TELEGRAM_BOT_TOKEN")
            preflight(args.db or settings.db_path, settings.spacy_model)
            print(f"briefbot: worker on {describe(args.db or settings.db_path)}", file=sys.stderr)
            return work(settings, args.db)
        if args.command in {"start", "console"}:
            # Fail now, with one line, rather than inside the running bot.
            preflight(args.db or settings.db_path, settings.spacy_model)
            print(f"briefbot: database {describe(args.db or settings.db_path)}", file=sys.stderr)
            return run(settings, args.db, console)
        service = _service(settings, args.source if args.command == "migrate-store" else args.db)
    except StoreError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, service)
    except (InputError, ModelNotInstalled, StoreError) as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"briefbot: {failure(exc)}", file=sys.stderr)
        return 2
    finally:
        service.close()


def work(settings: Settings, db_path: str | None = None) -> int:
    """Deliver due digests until stopped (bot/worker.py)."""
    from bot.telegram_app import build_application
    from bot.worker import run_worker

    settings = replace(settings, digest_workers=True)  # a worker keeps no jobs of its own: every due slot is a pass's
    asyncio.run(run_worker(build_application(settings, db_path), settings))
    return 0


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
                "candidates": [asdict(e) for e in lookup.candidates],
                "suggestions": [asdict(e) for e in lookup.suggestions],
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
    if args.command == "migrate-store":
        counts = service.copy_to(args.target)
        for table, (source, target) in counts.items():
            print(f"{table}: {source} → {target}")
        short = [table for table, (source, target) in counts.items() if source != target]
        if short:
            print(f"briefbot: the copy differs from the source in {', '.join(short)}", file=sys.stderr)
            return 1
        print(f"Copied to {describe(args.target)}: every table holds what the source holds.")
        return 0
    if args.command == "stats":
        stats = service.stats()
        _emit(args, stats, render.stats(stats))
        return 0
    if args.command == "eval":
        missing = [f for f in args.files if not Path(f).is_file()]
        if missing:
            raise InputError(f"cannot read {missing[0]}: no such file")
        if args.kind == "timelines":
            from evaluation.timelines import EvaluationExtraMissing, eval_timelines

            try:
                table, data = eval_timelines(args.files[0], service.nlp)
            except EvaluationExtraMissing as exc:
                raise InputError(str(exc)) from None
        elif args.kind == "entities":
            from evaluation.entities import eval_entities

            if len(args.files) != 2:
                raise InputError("eval entities needs GOLD_FILE and TOPICS_FILE")
            table, data = eval_entities(args.files[0], args.files[1], service.nlp, args.store)
        else:
            from evaluation.summaries import run_eval

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
        poll = service.poll_feed(feed.url) if new else None  # what the feed holds now, not in 30 minutes
        status = f"; first poll: {poll.status}" if poll else ""
        _emit(
            args,
            {"url": feed.url, "added": new, "first_poll": poll.status if poll else None},
            render.esc(("Added " if new else "Already subscribed: ") + feed.url + status),
        )
        return 0
    removed = service.remove_feed(args.url)
    _emit(
        args,
        {"url": args.url, "removed": removed},
        render.esc(("Removed " if removed else "Not subscribed: ") + args.url),
    )
    return 0 if removed else 1
