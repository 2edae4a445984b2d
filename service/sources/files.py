"""Reading files and folders (text, Markdown, HTML, JSONL, with a folder's manifest.json) into raw articles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from service.sources.raw import Failure, RawArticle, decode_text, html_article, iso_date
from summarizer.text import strip_markdown

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 5_000_000
# A JSONL line holds one article and its fields: memory stays bounded whatever a file holds.
MAX_JSONL_LINE = 4_000_000


def _manifest(folder: Path) -> dict[str, dict]:
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def read_path(path: Path) -> Iterator[RawArticle | Failure]:
    """Articles from a file or (recursively) a folder; a folder's manifest.json gives dates and outlets."""
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED and p.name != "manifest.json"
        )
        if not files:
            yield Failure(str(path), "folder has no .txt, .md, .html or .jsonl files")
        for file in files:
            yield from read_file(file, _manifest(file.parent).get(file.name, {}))
    elif path.is_file():
        yield from read_file(path, _manifest(path.parent).get(path.name, {}))
    else:
        yield Failure(str(path), "no such file or folder")


def read_file(path: Path, meta: dict | None = None) -> Iterator[RawArticle | Failure]:
    """Articles from one file: text, Markdown, HTML, or JSONL (one article per line)."""
    meta = meta or {}
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield Failure(origin, f"unsupported file type {suffix!r} (use .txt, .md, .html or .jsonl)")
        return
    size = path.stat().st_size
    if suffix not in JSONL_SUFFIXES and size > MAX_FILE_BYTES:
        yield Failure(origin, f"file too large ({size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)")
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    text = decode_text(path.read_bytes(), origin)
    if isinstance(text, Failure):
        yield text
        return
    if suffix in HTML_SUFFIXES:
        item = html_article(text, origin, meta.get("url"))
    else:
        item = RawArticle(text=strip_markdown(text) if suffix in MARKDOWN_SUFFIXES else text, origin=origin)
    if isinstance(item, RawArticle):
        item.title = meta.get("title") or item.title
        item.published = iso_date(meta.get("published")) or item.published
        item.source = meta.get("source") or item.source
        item.url = meta.get("url") or item.url
    yield item


def _lines(handle: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The file's lines, reading at most ``limit`` bytes of any line: a longer line gives None and is skipped."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the line in bounded pieces
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def read_jsonl(path: Path) -> Iterator[RawArticle | Failure]:
    """One article per JSON line: title, text (or body/content), url, published (or date), source."""
    with path.open("rb") as handle:
        for number, line in enumerate(_lines(handle, MAX_JSONL_LINE), 1):
            origin = f"{path}:{number}"
            if line is None:
                yield Failure(origin, f"line too long (over {MAX_JSONL_LINE:,} bytes)")
                continue
            if not line.strip():
                continue
            text = decode_text(line, origin)
            if isinstance(text, Failure):
                yield text
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                yield Failure(origin, "not valid JSON")
                continue
            if not isinstance(obj, dict):
                yield Failure(origin, "expected a JSON object with a 'text' field")
                continue
            body = obj.get("text") or obj.get("body") or obj.get("content") or obj.get("document")
            if not isinstance(body, str) or not body.strip():
                yield Failure(origin, "no 'text' field")
                continue
            wrong = [
                k
                for k in ("title", "url", "source", "published", "date")
                if obj.get(k) is not None and not isinstance(obj.get(k), str)
            ]
            if wrong:
                # One line's bad field is that line's failure, never the batch's.
                yield Failure(origin, f"field {wrong[0]!r} must be a string, not {type(obj[wrong[0]]).__name__}")
                continue
            yield RawArticle(
                text=body,
                origin=origin,
                title=obj.get("title") or "",
                url=obj.get("url") or None,
                published=iso_date(obj.get("published") or obj.get("date")),
                source=obj.get("source") or None,
            )
