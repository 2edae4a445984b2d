"""A local Bot API double over real HTTP: records every call, serves updates, injects faults.

Replies are built from python-telegram-bot's own objects, serialised with ``to_dict()``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from telegram import Chat, ChatMemberAdministrator, ChatMemberMember, ChatMemberOwner, Message, User

from tests.telegram_html import html_problems, utf16_len

BOT = User(id=1000, is_bot=True, first_name="briefbot", username="briefbot_test_bot")
FAULTS = {
    "429": (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    ),
    "403": (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
    "400": (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 5',
        },
    ),
    "500": (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
}


def multipart(content_type: str, body: bytes) -> dict:
    """The fields of a multipart/form-data upload; a file field becomes {"filename": …, "data": bytes}."""
    message = BytesParser(policy=default).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[name] = {"filename": filename, "data": payload} if filename else payload.decode()
    for name, value in list(fields.items()):  # 'attach://x' points at the part named x
        if isinstance(value, str) and value.startswith("attach://"):
            fields[name] = fields.get(value[len("attach://") :])
    return fields


class BotAPIDouble:
    """Speaks enough of the Bot API for briefbot, on 127.0.0.1, in a background thread."""

    def __init__(self, reply_delay: float = 0.0) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.sent_at: list[float] = []  # when each message was accepted (time.monotonic())
        # What real Telegram would have refused (bad HTML, too long, oversized button data): tests assert it is empty.
        self.rejected: list[tuple[str, str]] = []
        self.reply_delay = reply_delay
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.members: dict[tuple[int, int], str] = {}
        self.files: dict[str, bytes] = {}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path.startswith("/file/"):  # a file download, as Telegram serves them
                    data = double.files.get(self.path.rsplit("/", 1)[-1].split(".")[0])
                    self.send_response(200 if data is not None else 404)
                    self.send_header("Content-Length", str(len(data or b"")))
                    self.end_headers()
                    self.wfile.write(data or b"")
                    return
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    params = json.loads(body.decode() or "{}")
                elif content_type.startswith("multipart/form-data"):
                    params = multipart(content_type, body)
                else:
                    params = dict(parse_qsl(body.decode()))
                method = self.path.rsplit("/", 1)[-1]
                status, body = double.handle(method, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default backlog of 5 resets connections when the bot sends in bursts

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to pass as the bot's base_url (PTB appends the token)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> BotAPIDouble:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # What tests do
    def fail_next(self, method: str, *kinds: str) -> None:
        """Make the next calls of ``method`` fail with these faults ('429', '403', '400', '500', 'slow')."""
        with self._lock:
            self.faults[method].extend(kinds)

    def push_message(self, chat_id: int, text: str, user_id: int = 42, chat_type: str = "private", **extra) -> int:
        """Queue an incoming message update; returns its message id."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": chat_type, **({"title": "Group"} if chat_type != "private" else {})},
            "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
            **extra,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self.push_update({"message": message})
        return message["message_id"]

    def push_document(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        user_id: int = 42,
        mime_type: str = "application/octet-stream",
        chat_type: str = "private",
    ) -> None:
        """Queue a message carrying a document; its bytes are served back through getFile."""
        file_id = f"f{next(self._message_ids)}"
        self.files[file_id] = data
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        self.push_update(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "document": document,
                    "chat": {
                        "id": chat_id,
                        "type": chat_type,
                        **({"title": "Group"} if chat_type != "private" else {}),
                    },
                    "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
                }
            }
        )

    def press(self, chat_id: int, data: str, user_id: int = 42, chat_type: str = "private") -> str:
        """Queue a button press on one of the bot's messages; returns the callback query id."""
        query_id = f"cb{next(self._message_ids)}"
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "chat_instance": "x",
                    "data": data,
                    "from": {"id": user_id, "is_bot": False, "first_name": "Tester"},
                    "message": {
                        "message_id": 99,
                        "date": 1,
                        "text": "b",
                        "chat": {
                            "id": chat_id,
                            "type": chat_type,
                            **({"title": "Group"} if chat_type != "private" else {}),
                        },
                    },
                }
            }
        )
        return query_id

    def push_update(self, update: dict) -> None:
        """Queue any raw update."""
        with self._lock:
            self._updates.append({"update_id": next(self._update_ids), **update})

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[dict]:
        """Parameters of every successful call of ``method`` (to one chat)."""
        return [
            p for m, p in list(self.calls) if m == method and (chat_id is None or int(p.get("chat_id", 0)) == chat_id)
        ]

    # The server side
    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            fault = self.faults[method].pop(0) if self.faults.get(method) else None
        if fault == "slow":
            time.sleep(2.0)
        elif fault:
            self.calls.append((f"{method}!{fault}", params))
            return FAULTS[fault]
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        refusal = self._refusal(method, params)
        if refusal:
            self.rejected.append((method, refusal))
            self.calls.append((f"{method}!rejected", params))
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"}
        self.calls.append((method, params))
        if method == "sendMessage":
            self.sent_at.append(time.monotonic())
        if self.reply_delay and method == "sendMessage":
            time.sleep(self.reply_delay)
        return 200, {"ok": True, "result": self._result(method, params)}

    @staticmethod
    def _refusal(method: str, params: dict) -> str | None:
        """Telegram's own checks on a message: HTML that parses, at most 4,096 UTF-16 units, button data <= 64 bytes."""
        if method in {"sendPhoto", "sendDocument"}:
            if params.get("parse_mode") == "HTML" and html_problems(params.get("caption", "")):
                return f"can't parse entities: {html_problems(params.get('caption', ''))[0]}"
            if utf16_len(params.get("caption", "")) > 1024:
                return "message caption is too long"
            return None
        if method not in {"sendMessage", "editMessageText"}:
            return None
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            problems = html_problems(text)
            if problems:
                return f"can't parse entities: {problems[0]}"
        if utf16_len(text) > 4096:
            return "message is too long"
        markup = params.get("reply_markup")
        if markup:
            rows = json.loads(markup) if isinstance(markup, str) else markup
            for row in rows.get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode("utf-8")) > 64:
                        return "BUTTON_DATA_INVALID"
        return None

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.2)
        while True:
            with self._lock:
                pending = [u for u in self._updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            time.sleep(0.02)

    def _message(self, params: dict, **content: str) -> dict:
        """The message the bot sent, as Telegram returns it (a text, or a media caption)."""
        chat_id = int(params["chat_id"])
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=chat_id, type=Chat.PRIVATE if chat_id > 0 else Chat.GROUP),
            from_user=BOT,
            **content,
        ).to_dict()

    def _result(self, method: str, params: dict):
        if method == "getMe":
            return BOT.to_dict()
        if method in {"sendMessage", "editMessageText"}:
            return self._message(params, text=params.get("text", ""))
        if method in {"sendPhoto", "sendDocument"}:
            return self._message(params, caption=params.get("caption", ""))
        if method == "getFile":
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"documents/{file_id}.opml",
            }
        if method == "getChatMember":
            chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
            user = User(id=user_id, is_bot=False, first_name="Tester")
            status = self.members.get((chat_id, user_id), "member")
            if status == "creator":
                return ChatMemberOwner(user=user, is_anonymous=False).to_dict()
            if status == "administrator":
                return ChatMemberAdministrator(
                    user=user,
                    can_be_edited=False,
                    is_anonymous=False,
                    can_manage_chat=True,
                    can_delete_messages=True,
                    can_manage_video_chats=True,
                    can_restrict_members=True,
                    can_promote_members=False,
                    can_change_info=True,
                    can_invite_users=True,
                    can_post_stories=False,
                    can_edit_stories=False,
                    can_delete_stories=False,
                ).to_dict()
            return ChatMemberMember(user=user).to_dict()
        return True
