"""OPML subscription lists: reading other readers' exports with listparser, writing standard OPML 2.0."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import listparser

from storage.records import Feed

MAX_OPML_BYTES = 2_000_000


class OPMLError(ValueError):
    """A file that is not a readable OPML subscription list; the message is one line."""


@dataclass(frozen=True)
class Subscription:
    """One feed of a subscription list: its URL and title (folders flattened)."""

    url: str
    title: str


def read_opml(data: bytes) -> list[Subscription]:
    """The feeds of an OPML file, nested folders flattened, each URL once; raises OPMLError for anything else."""
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"the file is too large for a subscription list ({len(data):,} bytes)")
    if not data.strip():
        raise OPMLError("the file is empty")
    data = _as_utf8(data)
    if b"<!ENTITY" in data:
        raise OPMLError("the file declares XML entities, which a subscription list never needs")
    # A broken file is refused whole (listparser is lenient: it would import the feeds that happened to parse).
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OPMLError(f"not an OPML subscription list (not well-formed XML: {str(exc)[:100]})") from None
    if root.tag.casefold() != "opml":
        raise OPMLError(f"not an OPML subscription list (its root element is <{root.tag[:40]}>, not <opml>)")
    parsed = listparser.parse(data)
    seen: set[str] = set()
    found = []
    for feed in parsed.get("feeds", []):
        url = (feed.get("url") or "").strip()
        if url and url not in seen:
            seen.add(url)
            found.append(Subscription(url, (feed.get("title") or "").strip()))
    if not found:
        raise OPMLError("the file lists no feeds (no outline with an xmlUrl)")
    return found


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>")


def _as_utf8(data: bytes) -> bytes:
    """The file re-encoded as UTF-8 and declared so: the XML parser knows few multi-byte encodings (Shift_JIS,
    GB18030, Big5 are refused by it), Python's codecs know them all."""
    text = _decode(data)
    return _DECLARATION.sub('<?xml version="1.0" encoding="UTF-8"?>', text, count=1).encode("utf-8")


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_as(data, codec, codec)
    if data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return _decode_as(data, "utf-16-le" if data[0] else "utf-16-be", "UTF-16")
    declared = re.match(rb"""\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']""", data)
    name = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
    return _decode_as(data, name, name)


def _decode_as(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except LookupError:
        raise OPMLError(f"its encoding {name[:40]!r} is not one I know") from None
    except UnicodeDecodeError:
        raise OPMLError(f"not an OPML subscription list (not valid {name[:40]} text)") from None


def write_opml(feeds: list[Feed], title: str = "briefbot feeds") -> bytes:
    """OPML 2.0 that Feedly, Thunderbird and NewsBlur read: one ``<outline type="rss">`` per feed with ``text``,
    ``title`` and ``xmlUrl``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document + b"\n"
