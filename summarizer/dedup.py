"""Exact and near-duplicate detection: content hashes and MinHash signatures with LSH bands."""

from __future__ import annotations

import hashlib
import re
import struct

import numpy as np

NUM_HASHES = 64
BANDS = 16
ROWS = NUM_HASHES // BANDS
SHINGLE = 3
# Estimated Jaccard similarity of word shingles above which two articles are the same story text.
NEAR_DUPLICATE = 0.6
_RNG = np.random.default_rng(20241022)
# Multiply-shift hash family over 64-bit shingle hashes (odd multipliers, wrapping arithmetic).
_A = _RNG.integers(1, 2**63, size=NUM_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _RNG.integers(0, 2**63, size=NUM_HASHES, dtype=np.uint64)
_TOKEN = re.compile(r"\w+", re.UNICODE)


def normalised_words(text: str) -> list[str]:
    """Lower-case word tokens, ignoring whitespace and punctuation differences."""
    return _TOKEN.findall(text.casefold())


def content_hash(text: str) -> str:
    """SHA-256 of the normalised words: identical content hashes the same whatever its spacing."""
    return hashlib.sha256(" ".join(normalised_words(text)).encode()).hexdigest()


def _shingles(text: str) -> np.ndarray:
    tokens = normalised_words(text)
    if len(tokens) < SHINGLE:
        tokens = tokens + [""] * (SHINGLE - len(tokens))
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(tokens[i : i + SHINGLE]).encode(), digest_size=8).digest(), "big")
        for i in range(len(tokens) - SHINGLE + 1)
    }
    return np.fromiter(hashes, dtype=np.uint64, count=len(hashes))


def signature(text: str) -> list[int]:
    """A MinHash signature of the text's word 3-shingles."""
    shingles = _shingles(text)
    with np.errstate(over="ignore"):
        hashed = (shingles[None, :] * _A[:, None] + _B[:, None]) >> np.uint64(32)
    return [int(v) for v in hashed.min(axis=1)]


def bands(sig: list[int]) -> list[tuple[int, str]]:
    """LSH band keys: articles sharing any band are near-duplicate candidates."""
    out = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS]
        out.append((band, hashlib.blake2b(struct.pack(f">{ROWS}Q", *chunk), digest_size=8).hexdigest()))
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return sum(x == y for x, y in zip(a, b)) / NUM_HASHES


def encode(sig: list[int]) -> str:
    """A signature as text for storage."""
    return ",".join(format(v, "x") for v in sig)


def decode(text: str) -> list[int]:
    """The inverse of ``encode``."""
    return [int(v, 16) for v in text.split(",")] if text else []
