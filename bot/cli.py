"""The `briefbot` command line: arguments and the entry point. It imports nothing heavy, so `briefbot --help`
answers at once; the commands themselves (and spaCy, sumy, SciPy with them) load from bot/commands.py."""

from __future__ import annotations

import argparse
import os
import sys

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
    parser.add_argument(
        "--db",
        help="the store: a SQLite file or a postgresql:// URL (default: BRIEFBOT_DATABASE_URL, else data/briefbot.db "
        "in the briefbot folder)",
    )
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
    p.add_argument("--method", default="news", help="ranking method (default news; a wrong name lists the others)")
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
    p = add(
        "migrate-store", "copy a whole store into a new, empty one (SQLite to PostgreSQL, or back), checked by counts"
    )
    p.add_argument("source", help="the store to copy: a SQLite file or a postgresql:// URL")
    p.add_argument("target", help="the new store: a SQLite file or a postgresql:// URL of an empty database")
    p = add("check", "check the database file page by page (opening it does not: that takes time linear in its size)")
    p.add_argument("--full", action="store_true", help="also compare every index with its table (slower)")
    add("console", "the offline console chat")
    add("start", "run the bot: Telegram with a token, the offline console without")
    add("worker", "deliver due digests from the shared store, taking no updates (run any number)")
    add("seed-if-empty", "ingest seeds/ when the database is empty")
    return parser


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


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from bot.commands import execute  # after parsing: --help and argument errors never pay for it

    return execute(args)
