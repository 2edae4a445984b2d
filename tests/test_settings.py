"""Settings fail fast, naming every bad value at once."""

import pytest

from bot.settings import CHECKOUT, SettingsError, load_settings


def test_defaults_with_an_empty_environment():
    settings = load_settings({})
    assert (settings.token, settings.db_path, settings.default_timezone, settings.admin_ids) == (
        None,
        str(CHECKOUT / "data" / "briefbot.db"),  # the checkout's data folder, whatever the current folder
        "UTC",
        frozenset(),
    )


def test_an_installed_briefbot_keeps_its_data_under_xdg_data_home(monkeypatch, tmp_path):
    from bot import settings as settings_module

    monkeypatch.setattr(settings_module, "CHECKOUT", tmp_path / "site-packages")
    assert load_settings({"XDG_DATA_HOME": "/srv/data"}).db_path == "/srv/data/briefbot/briefbot.db"


def test_every_invalid_value_is_named():
    env = {
        "TELEGRAM_BOT_TOKEN": "nonsense",
        "BRIEFBOT_ADMIN_IDS": "12,abc",
        "BRIEFBOT_DEFAULT_TIMEZONE": "Mars/Base",
        "BRIEFBOT_FETCH_TIMEOUT": "soon",
        "BRIEFBOT_ALLOW_PRIVATE_URLS": "maybe",
        "BRIEFBOT_WEBHOOK_URL": "http://x",
    }
    with pytest.raises(SettingsError) as error:
        load_settings(env)
    message = str(error.value)
    for name in env:
        assert name in message


def test_values_are_parsed():
    settings = load_settings(
        {
            "BRIEFBOT_ADMIN_IDS": "1, 2",
            "BRIEFBOT_ALLOW_PRIVATE_URLS": "true",
            "BRIEFBOT_FEED_POLL_MINUTES": "5",
            "TELEGRAM_BOT_TOKEN": "1:abc",
        }
    )
    assert (settings.admin_ids, settings.allow_private_urls, settings.feed_poll_minutes, settings.token) == (
        frozenset({1, 2}),
        True,
        5.0,
        "1:abc",
    )


def test_env_example_is_the_settings_table():
    from dataclasses import fields
    from pathlib import Path

    from bot.settings import TABLE, Settings, env_example

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    assert example == env_example()  # regenerate with: python -c "from bot.settings import env_example; …"
    assert [s.field for s in TABLE] == [f.name for f in fields(Settings)]


def test_the_tables_defaults_are_the_settings_defaults():
    from bot.settings import Settings, data_folder

    # An empty BRIEFBOT_DATABASE_URL is the data folder's database, decided when the settings are read.
    assert load_settings({}) == Settings(db_path=str(data_folder({}) / "briefbot.db"))


SECRET = (
    "BRIEFBOT_WEBHOOK_SECRET must be 1 to 256 letters, digits, '_' or '-' (what Telegram accepts as a secret token)"
)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("BRIEFBOT_FETCH_TIMEOUT", "nan", "BRIEFBOT_FETCH_TIMEOUT must be a finite number, not 'nan'"),
        ("BRIEFBOT_FEED_POLL_MINUTES", "inf", "BRIEFBOT_FEED_POLL_MINUTES must be a finite number, not 'inf'"),
        ("BRIEFBOT_ADMIN_IDS", "--5", "BRIEFBOT_ADMIN_IDS must be comma-separated user ids, not '--5'"),
        ("BRIEFBOT_ADMIN_IDS", "²", "BRIEFBOT_ADMIN_IDS must be comma-separated user ids, not '²'"),
        (
            "BRIEFBOT_DEFAULT_TIMEZONE",
            "Europe",
            "BRIEFBOT_DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Berlin, not 'Europe'",
        ),
        ("BRIEFBOT_WEBHOOK_PORT", "99999", "BRIEFBOT_WEBHOOK_PORT must be at most 65535, not '99999'"),
        (
            "BRIEFBOT_BOT_API_URL",
            "notaurl",
            "BRIEFBOT_BOT_API_URL must be an http(s) URL such as https://api.telegram.org/bot, not 'notaurl'",
        ),
        ("BRIEFBOT_WEBHOOK_SECRET", "s3cr3t!", SECRET),
        ("BRIEFBOT_WEBHOOK_SECRET", "a" * 257, SECRET),
        ("BRIEFBOT_WEBHOOK_SECRET", "pässwort", SECRET),
    ],
)
def test_bad_values_get_one_line_naming_the_setting(name, value, message):
    with pytest.raises(SettingsError) as error:
        load_settings({name: value})
    assert str(error.value).splitlines()[1:] == [f"  {message}"]


def test_a_webhook_secret_telegram_accepts_is_kept():
    assert load_settings({"BRIEFBOT_WEBHOOK_SECRET": "A-z_09" * 40}).webhook_secret == "A-z_09" * 40
