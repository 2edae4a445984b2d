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
from bot.settings import Settings
from bot.telegram_app import build_application, post_init, post_shutdown

CONSOLE_CHAT = 1
CONSOLE_USER = 1
_BOT_USER = {"id": 1000, "is_bot": True, "first_name": "briefbot", "username": "briefbot"}


class ConsoleRequest(BaseRequest):
    """A Bot API endpoint that prints outgoing messages instead of sending them (no network)."""

    def __init__(self, write: Callable[[str], None], files: Path | None = None) -> None:
        self._write = write
        self._ids = itertools.count(1)
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
                rows = json.loads(markup) if isinstance(markup, str) else markup
                labels = [b["text"] for row in rows.get("inline_keyboard", []) for b in row]
                self._write("[buttons: " + " | ".join(labels) + "]")
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
        elif endpoint == "getChatMember":
            result = {"status": "creator", "user": {"id": CONSOLE_USER, "is_bot": False, "first_name": "you"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()


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
    files = Path(db_path or settings.db_path).parent / "console"
    app = build_application(settings, db_path, request=ConsoleRequest(write, files))
    async with app:
        await post_init(app)
        await app.start()
        write("briefbot console — type /help, /brief gaza, /who Blinken; /quit or Ctrl-D to leave.")
        loop = asyncio.get_running_loop()
        source = iter(lines) if lines is not None else None
        for update_id in itertools.count(1):
            if source is not None:
                line = next(source, None)
            else:
                if sys.stdin.isatty():
                    print("> ", end="", flush=True)
                line = await loop.run_in_executor(None, sys.stdin.readline)
                line = line if line else None
            if line is None or line.strip() in {"/quit", "/exit"}:
                break
            if not line.strip():
                continue
            await app.process_update(Update.de_json(console_update(line.strip(), update_id), app.bot))
        await app.stop()
        await post_shutdown(app)
    return 0
