"""`briefbot eval entities`: score `/who` against a gold set on a store of Timeline17 topics."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from service.ingest import ingest
from service.profiles import Lookup, Profile, build_profile, resolve_name
from service.sources.raw import RawArticle
from storage import articles as article_store
from storage.db import Database, open_database

CHECKS = ("resolution", "label", "role", "same entity", "no false conflict", "conflict shown", "not confused")


@dataclass
class LineResult:
    """The outcome of one gold line: each check it makes, passed or failed, with what was found."""

    gold: dict
    found: str
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """The checks this line failed."""
        return [name for name, ok in self.checks.items() if not ok]


def outlet_of(topic_id: str) -> str:
    """The outlet named by a Timeline17 topic id: 'haiti_bbc' -> 'BBC'."""
    return topic_id.rsplit("_", 1)[-1].upper() if "_" in topic_id else topic_id


def topic_articles(topics_path: str | Path, wanted: set[str] | None = None) -> list[RawArticle]:
    """The articles of the Timeline17 topics file, dated and credited to the topic's outlet."""
    raws = []
    for line in Path(topics_path).read_text("utf-8").splitlines():
        if not line.strip():
            continue
        topic = json.loads(line)
        if wanted is not None and topic["id"] not in wanted:
            continue
        outlet = outlet_of(topic["id"])
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            raws.append(RawArticle(text, doc_id, published=day, source=outlet))
    return raws


def _profile(
    db: Database, query: str, cache: dict[str, tuple[Lookup, Profile | None]]
) -> tuple[Lookup, Profile | None]:
    if query not in cache:
        lookup = resolve_name(db, query)
        cache[query] = (lookup, build_profile(db, lookup.entity) if lookup.entity else None)
    return cache[query]


def _norm(name: str, exact_case: bool) -> str:
    text = " ".join(name.replace("-", " ").split())
    return text if exact_case else text.casefold()


def check_line(db: Database, gold: dict, cache: dict) -> LineResult:
    """Run the `/who` lookup of one gold line and apply each of its checks."""
    lookup, profile = _profile(db, gold["query"], cache)
    found = profile.entity.name if profile else f"(no entity: {lookup.message})"
    result = LineResult(gold, found)
    exact_case = bool(gold.get("exact_case"))
    if "expect" in gold:
        result.checks["resolution"] = profile is not None and _norm(profile.entity.name, exact_case) in {
            _norm(n, exact_case) for n in gold["expect"]
        }
    if "label" in gold:
        result.checks["label"] = profile is not None and profile.entity.label in gold["label"]
    if "role_any" in gold:
        first = profile.roles[0].role.casefold() if profile and profile.roles else ""
        result.checks["role"] = bool(first) and any(r.casefold() in first for r in gold["role_any"])
        if profile and profile.roles:
            result.found += f" [role: {profile.roles[0].role}]"
    if "same_as" in gold:
        _, other = _profile(db, gold["same_as"], cache)
        result.checks["same entity"] = (
            profile is not None and other is not None and other.entity.id == profile.entity.id
        )
        if other:
            result.found += f" [same_as -> {other.entity.name}]"
    if "conflicts" in gold:
        shown = bool(profile and profile.conflicts)
        name = "conflict shown" if gold["conflicts"] else "no false conflict"
        result.checks[name] = profile is not None and shown == gold["conflicts"]
        if profile and profile.conflicts:
            result.found += f" [conflict: {profile.conflicts[0].office}]"
    if "not" in gold:
        result.checks["not confused"] = profile is not None and _norm(profile.entity.name, False) not in {
            _norm(n, False) for n in gold["not"]
        }
    return result


def eval_entities(
    gold_path: str | Path, topics_path: str | Path, nlp: Language, store: str | Path | None = None
) -> tuple[str, dict]:
    """Ingest the topics (or reuse ``store``), run every gold `/who` line, and score each check."""
    gold = [json.loads(line) for line in Path(gold_path).read_text("utf-8").splitlines() if line.strip()]
    db = open_database(store or ":memory:")
    if article_store.count_articles(db) == 0:
        ingest(db, nlp, topic_articles(topics_path, {g["topic"] for g in gold}))
    ingested = {outlet for (outlet,) in db.execute("SELECT DISTINCT source FROM articles").fetchall()}
    cache: dict = {}
    results = [check_line(db, g, cache) for g in gold if outlet_of(g["topic"]) in ingested]
    db.close()
    return _report(results)


def _report(results: list[LineResult]) -> tuple[str, dict]:
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for result in results:
        for name, ok in result.checks.items():
            total[name] += 1
            passed[name] += ok
    overall = sum(passed.values()), sum(total.values())
    lines = ["Entity profiles against the gold set (/who)", f"{'check':<22}{'passed':>8}{'of':>6}{'%':>8}", "-" * 44]
    for name in CHECKS:
        if total[name]:
            lines.append(f"{name:<22}{passed[name]:>8}{total[name]:>6}{100 * passed[name] / total[name]:>8.1f}")
    lines.append(f"{'overall':<22}{overall[0]:>8}{overall[1]:>6}{100 * overall[0] / max(overall[1], 1):>8.1f}")
    failing = [r for r in results if r.failed]
    if failing:
        lines += ["", f"Failing lines ({len(failing)}):"]
        for r in failing:
            lines.append(f"  {r.gold['topic']}: /who {r.gold['query']} -> {r.found}; failed: {', '.join(r.failed)}")
    data = {
        "checks": {name: {"passed": passed[name], "total": total[name]} for name in CHECKS if total[name]},
        "overall": {"passed": overall[0], "total": overall[1]},
        "failing": [
            {"topic": r.gold["topic"], "query": r.gold["query"], "found": r.found, "failed": r.failed} for r in failing
        ],
    }
    return "\n".join(lines), data
