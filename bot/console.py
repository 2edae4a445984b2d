"""The offline console: the same Application and handlers, with a terminal standing in for Telegram."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot import render
from bot.settings import Settings, data_folder
from bot.telegram_app import build_application, post_init, post_shutdown
from service.app import database_file, is_postgres

CONSOLE_CHAT = 1
CONSOLE_USER = 1
_BOT_USER = {"id": 1000, "is_bot": True, "first_name": "briefbot", "username": "briefbot"}


class ConsoleRequest(BaseRequest):
    """A Bot API endpoint that prints outgoing messages instead of sending them (no network)."""

    def __init__(self, write: Callable[[str], None], files: Path | None = None) -> None:
        self._write = write
        self._ids = itertools.count(1)
        self.buttons: list[str] = []  # the callback data of the last message's buttons, in the order numbered
        self._files = files or Path("data") / "console"  # where photos and documents the bot sends are saved

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url,
        method,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        result: object = True
        if endpoint == "getMe":
            result = _BOT_USER
        elif endpoint == "getUpdates":
            await asyncio.sleep(1)
            result = []
        elif endpoint in {"sendMessage", "editMessageText"}:
            text = params.get("text", "")
            self._write(render.to_plain(text) if params.get("parse_mode") == "HTML" else text)
            markup = params.get("reply_markup")
            if markup:
                # Numbered: typing the number presses the button.
                rows = json.loads(markup) if isinstance(markup, str) else markup
                buttons = [b for row in rows.get("inline_keyboard", []) for b in row if "callback_data" in b]
                self.buttons = [b["callback_data"] for b in buttons]
                self._write("  ".join(f"[{n}] {b['text']}" for n, b in enumerate(buttons, 1)))
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", CONSOLE_CHAT)), "type": "private"},
                "text": text,
            }
        elif endpoint in {"sendPhoto", "sendDocument"}:
            # A terminal shows no pictures: the file is saved and its path printed with the caption.
            for name, part in (request_data.multipart_data or {}).items() if request_data else ():
                filename, data = part[0], part[1]
                self._files.mkdir(parents=True, exist_ok=True)
                path = self._files / f"{next(self._ids)}-{Path(filename or name).name}"
                path.write_bytes(data if isinstance(data, bytes) else data.read())
                caption = params.get("caption", "")
                self._write(
                    f"[{endpoint[4:].lower()} saved to {path}] "
                    + (render.to_plain(caption) if params.get("parse_mode") == "HTML" else caption)
                )
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", CONSOLE_CHAT)), "type": "private"},
            }
        elif endpoint == "answerCallbackQuery" and params.get("text"):
            self._write(f"[pop-up: {params['text']}]")
        elif endpoint == "getChatMember":
            result = {"status": "creator", "user": {"id": CONSOLE_USER, "is_bot": False, "first_name": "you"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def button_update(data: str, update_id: int) -> dict:
    """A Bot API update for a button pressed in the console (its number typed)."""
    user = {"id": CONSOLE_USER, "is_bot": False, "first_name": "you"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": "",
        "chat": {"id": CONSOLE_CHAT, "type": "private"},
    }
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user,
            "chat_instance": "console",
            "data": data,
            "message": message,
        },
    }


def console_update(text: str, update_id: int) -> dict:
    """A Bot API update for a line typed in the console (a command gets its bot_command entity)."""
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": CONSOLE_CHAT, "type": "private"},
        "from": {"id": CONSOLE_USER, "is_bot": False, "first_name": "you"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def run_console(settings: Settings, db_path: str | None = None, lines=None, write=print) -> int:
    """Read commands from the terminal (or ``lines``) and print the bot's replies until EOF or /quit."""
    from dataclasses import replace

    # The console user administers its own offline bot.
    settings = replace(settings, admin_ids=settings.admin_ids | {CONSOLE_USER})
    location = db_path or settings.db_path
    # Beside a SQLite file; in the data folder for a store on a server.
    files = (data_folder() if is_postgres(location) else Path(database_file(location)).parent) / "console"
    request = ConsoleRequest(write, files)
    app = build_application(settings, db_path, request=request)
    async with app:
        await post_init(app)
        await app.start()
        write(
            "briefbot console — type /help, /brief gaza, /who Blinken; a button's number presses it; "
            "/quit or Ctrl-D to leave."
        )
        loop = asyncio.get_running_loop()
        source = iter(lines) if lines is not None else None
        terminal = source is None and sys.stdin.isatty()
        for update_id in itertools.count(1):
            if source is not None:
                line = next(source, None)
            else:
                if terminal:
                    print("> ", end="", flush=True)
                line = await loop.run_in_executor(None, sys.stdin.readline)
                line = line if line else None
            if line is None or line.strip() in {"/quit", "/exit"}:
                break
            text = line.strip()
            if not text:
                continue
            if not terminal:
                write(f"> {text}")  # piped or scripted input: the transcript shows what was asked
            if text.isdigit() and 1 <= int(text) <= len(request.buttons):
                update = button_update(request.buttons[int(text) - 1], update_id)
            else:
                update = console_update(text, update_id)
            await app.process_update(Update.de_json(update, app.bot))
        await app.stop()
        await post_shutdown(app)
    return 0
