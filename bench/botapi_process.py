"""The Bot API double in a process of its own, so a bench's CPU and memory figures are the bot's alone.

Prints its URL, serves until its standard input closes, then prints what it received as one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.botapi import BotAPIDouble

if __name__ == "__main__":
    double = BotAPIDouble().start()
    print(double.url, flush=True)
    sys.stdin.read()
    sent = double.sent()
    print(
        json.dumps(
            {
                "messages": len(sent),
                "chats": len({int(p["chat_id"]) for p in sent}),
                "rejected": len(double.rejected),
                "characters": sum(len(p.get("text", "")) for p in sent),
            }
        ),
        flush=True,
    )
    double.stop()
