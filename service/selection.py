"""Choosing briefing sentences: candidates from stored articles, ranking, one sentence per development, citations."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import sparse

from service.credits import credible, reports
from service.limits import LENGTHS, MAX_SENTENCES
from service.results import BriefItem, Citation
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Article, Entity, FactRow, SentenceRow
from summarizer import ranking
from summarizer.credits import Report, same_report
from summarizer.entities import NEWS_LABELS, alias_key
from summarizer.registry import DEFAULT_METHOD, chosen_sentences
from summarizer.words import ranking_words

MAX_ARTICLES = 200
# Candidate pre-selection: news puts what matters first, so later sentences of long articles and
# articles beyond the newest few hundred never reach the ranker (bounded work for any window).
MAX_POSITION = 30
MIN_POSITION = 5
CANDIDATE_BUDGET = 1000
MAX_CANDIDATES = 3000
# Days for the recency prior to halve: yesterday's news is worth half of today's (chosen on the Timeline17 dev
# updates from 1, 2, 3 and 6 days; relative to the newest candidate, so an old story is not penalised as a whole).
RECENCY_HALF_LIFE = 1.0
# An article is about a topic when its headline or one of its first sentences names it.
LEAD_SENTENCES = 5
# A sentence that says no word of the topic counts this much (it may be about something else in the article).
OFF_TOPIC = 0.4
# A sentence printed word for word on this many different days is a stock line (see without_stock_lines).
STOCK_LINE_DAYS = 3
# Two sentences with the same subject, from different articles, this similar (tf-idf cosine) report one development.
SAME_DEVELOPMENT = 0.15


def sentence_count(length: str | int | None) -> int:
    """Sentences for a length name or number, bounded to 1..MAX_SENTENCES."""
    if length is None:
        return LENGTHS["medium"]
    if isinstance(length, str) and length in LENGTHS:
        return LENGTHS[length]
    return max(1, min(MAX_SENTENCES, int(length)))


def candidates_for(db: Database, articles: Sequence[Article]) -> list[SentenceRow]:
    """Pre-selected candidate sentences: the lead of each article, newest articles first, bounded in number.

    One article keeps its first 30 sentences; a hundred keep their first 10 each (news puts what matters first).
    """
    ids = [a.id for a in articles[:MAX_ARTICLES]]
    per_article = max(MIN_POSITION, min(MAX_POSITION, CANDIDATE_BUDGET // max(1, len(ids))))
    rows = without_stock_lines(store.sentences_of(db, ids, per_article))
    if len(rows) > MAX_CANDIDATES:
        rows = sorted(rows, key=lambda r: r.position)[:MAX_CANDIDATES]
        rows.sort(key=lambda r: (r.article_id, r.position))
    return rows


def without_stock_lines(rows: Sequence[SentenceRow]) -> list[SentenceRow]:
    """The rows without stock lines: a sentence printed word for word in articles of several different days (a
    'related stories' headline, a site notice, a standing background paragraph) is page furniture or a repeat,
    never a development."""
    days: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        days[row.text].add(row.published_at[:10])
    return [r for r in rows if len(days[r.text]) < STOCK_LINE_DAYS]


def fact_groups(
    db: Database,
    article_ids: Sequence[int],
    sentence_ids: Sequence[int],
    facts: Sequence[FactRow] | None = None,
) -> dict[int, set[int]]:
    """For each sentence, the other candidate sentences stating the same fact (subject, attribute, value);
    ``facts`` are the articles' facts when the caller has them."""
    index = {sid: i for i, sid in enumerate(sentence_ids)}
    groups: dict[tuple, set[int]] = defaultdict(set)
    for fact in store.facts_of(db, article_ids) if facts is None else facts:
        if fact.sentence_id in index:
            groups[(fact.subject_id, fact.attribute, fact.number)].add(index[fact.sentence_id])
    same: dict[int, set[int]] = defaultdict(set)
    for members in groups.values():
        for m in members:
            same[m] |= members - {m}
    return same


def recency(rows: Sequence[SentenceRow], half_life_days: float = RECENCY_HALF_LIFE) -> np.ndarray:
    """A prior relative to the newest candidate, not to today: 1 for the newest day, halving every few days."""
    days = [date.fromisoformat(r.published_at[:10]).toordinal() for r in rows]
    newest = max(days, default=0)
    return np.power(0.5, (newest - np.array(days, dtype=float)) / half_life_days)


def subjects_of(people: dict[int, list[int]]) -> dict[int, int]:
    """Each sentence's likely subject: the first person it names ({sentence_id: entity_id})."""
    return {sentence: names[0] for sentence, names in people.items() if names}


def same_development(
    rows: Sequence[SentenceRow],
    similarity: sparse.csr_matrix,
    subjects: dict[int, int],
    groups: dict[int, set[int]] | None = None,
) -> dict[int, set[int]]:
    """Sentences of different articles reporting one development: the same person doing something said alike.

    'Blinken arrived in Israel on Tuesday' (one outlet) and 'Blinken headed to the Middle East on Monday'
    (another) share their subject and enough words; they are one development, credited to both outlets.
    Merged into ``groups`` (index -> indexes of the same thing), which is returned.
    """
    groups = {k: set(v) for k, v in (groups or {}).items()}
    by_subject: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.id in subjects:
            by_subject[subjects[row.id]].append(i)
    similarity = similarity.tocsr()
    for members in by_subject.values():
        if len(members) < 2:
            continue
        for i in members:
            near = dict(
                zip(
                    similarity.indices[similarity.indptr[i] : similarity.indptr[i + 1]].tolist(),
                    similarity.data[similarity.indptr[i] : similarity.indptr[i + 1]].tolist(),
                )
            )
            for j in members:
                if j != i and rows[j].article_id != rows[i].article_id and near.get(j, 0.0) > SAME_DEVELOPMENT:
                    groups.setdefault(i, set()).add(j)
    return groups


def rank(
    rows: Sequence[SentenceRow],
    method: str = DEFAULT_METHOD,
    same_fact: dict[int, set[int]] | None = None,
    count: int = 5,
    similarity: sparse.csr_matrix | None = None,
    ignore: frozenset[str] = frozenset(),
) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Scores for candidate sentences and their similarity matrix (computed unless given), comparing sentences
    without the words in ``ignore`` (a profile leaves out the entity's own name, which every candidate shares)."""
    words = [[w for w in ranking_words(r.tokens) if w not in ignore] for r in rows]
    if similarity is None:
        similarity = ranking.similarity_matrix(words)
    if method == DEFAULT_METHOD:
        scores = ranking.news_ranking(
            words,
            [r.position for r in rows],
            [r.text for r in rows],
            [r.source for r in rows],
            similarity,
            same_fact,
            [r.quality for r in rows],
        )
        return scores, similarity
    # Any other registry method: the sentences it chooses come first, in document order.
    chosen = chosen_sentences(method, [(r.text, r.tokens) for r in rows], count)
    scores = np.array([1.0 if r.text in chosen else 0.0 for r in rows])
    return scores, similarity


def select_items(
    rows: Sequence[SentenceRow],
    scores: np.ndarray,
    similarity: sparse.csr_matrix,
    count: int,
    same_fact: dict[int, set[int]] | None,
    subjects: Sequence[int | None] | None = None,
    said: Sequence[Report] | None = None,
) -> list[BriefItem]:
    """The top sentences without repeats, each credited to every outlet that said the same (with ``said``: only
    those whose report agrees), in reading order."""
    items = []
    agree = (lambda i, j: same_report(said[i], said[j])) if said is not None else None
    for sel in ranking.select(scores, similarity, count, same_fact, subjects=subjects, agree=agree):
        row = rows[sel.index]
        citations = [cite(row)]
        for j in sel.same_as:
            other = rows[j]
            if other.source not in {c.source for c in citations}:
                citations.append(cite(other))
        items.append(BriefItem(row.id, row.text, citations, row.story_id, float(scores[sel.index])))
    return reading_order(items, rows)


def cite(row: SentenceRow) -> Citation:
    """Where a stored sentence was published."""
    return Citation(row.source, row.published_at, row.url, row.article_id, row.title)


def reading_order(items: list[BriefItem], rows: Sequence[SentenceRow]) -> list[BriefItem]:
    """By story (most important first), then by time and position within the story.

    A story is a set of articles that report the same thing: near-duplicates share a story id, and
    articles credited for the same sentence are joined to it.
    """
    shown = {i.sentence_id for i in items}
    cited = {c.article_id for i in items for c in i.citations}
    position = {r.id: (r.published_at, r.article_id, r.position) for r in rows if r.id in shown}
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    story_of_article = {r.article_id: r.story_id for r in rows if r.article_id in cited}
    for item in items:
        for c in item.citations:
            parent[root(story_of_article.get(c.article_id, item.story_id))] = root(item.story_id)
    for item in items:
        item.story_id = root(item.story_id)
    story_rank: dict[int, float] = {}
    for item in items:
        story_rank[item.story_id] = max(story_rank.get(item.story_id, 0.0), item.score)
    return sorted(items, key=lambda i: (-story_rank[i.story_id], i.story_id, position[i.sentence_id]))


def top_entities(db: Database, article_ids: Sequence[int], limit: int = 8) -> list[tuple[Entity, int]]:
    """The people, organisations and places most mentioned across the articles (by distinct sources, then mentions)."""
    return entity_store.top_mentioned(db, article_ids, NEWS_LABELS, limit)


def on_topic(rows: Sequence[SentenceRow], articles: Sequence[Article], topic: str) -> list[Article]:
    """The articles about the topic: its headline, its first sentence, or two of its first few say every word of it."""
    wanted = set(ranking_words(topic.split())) if topic else set()
    if not wanted:
        return list(articles)
    naming = [r for r in rows if r.position < LEAD_SENTENCES and wanted <= set(ranking_words(r.tokens))]
    leads = Counter(r.article_id for r in naming)
    hit = {article for article, n in leads.items() if n >= 2} | {r.article_id for r in naming if r.position == 0}
    hit |= {a.id for a in articles if wanted <= set(ranking_words(a.title.split()))}
    return [a for a in articles if a.id in hit]


def relevance(rows: Sequence[SentenceRow], topic: str) -> np.ndarray:
    """1 for a sentence that says a word of the topic, less for one that does not (it may be about something else)."""
    wanted = set(ranking_words(topic.split())) if topic else set()
    if not wanted:
        return np.ones(len(rows))
    return np.array([1.0 if wanted & set(ranking_words(r.tokens)) else OFF_TOPIC for r in rows])


@dataclass(frozen=True)
class Scored:
    """Candidate sentences scored for a selection of any length: the developments they share, who they name and
    are about, what each reports, and their scores."""

    same: dict[int, set[int]]
    similarity: sparse.csr_matrix
    people: dict[int, list[int]]
    subjects: dict[int, int]
    said: list[Report]
    scores: np.ndarray


def score_candidates(db: Database, rows: Sequence[SentenceRow], newest_first: bool = False, topic: str = "") -> Scored:
    """What ``best_items`` selects from, whatever the count."""
    # Only the candidates' own articles can hold their facts: a timeline's day reads its few, not the topic's 2,000.
    same_fact = fact_groups(db, sorted({r.article_id for r in rows}), [r.id for r in rows])
    similarity = ranking.similarity_matrix([ranking_words(r.tokens) for r in rows])
    people = entity_store.people_by_sentence(db, [r.id for r in rows])
    subjects = subjects_of(people)
    # One development reported by several outlets is said once, and corroborated where their reports agree.
    said = reports(db, rows)
    same = same_development(rows, similarity, subjects, same_fact)
    # Said once whoever said it; corroborated (ranked higher) only by outlets whose reports agree.
    scores, _ = rank(rows, DEFAULT_METHOD, credible(same, said), similarity=similarity)
    if newest_first:
        scores = scores * recency(rows)
    scores = scores * relevance(rows, topic)
    return Scored(same, similarity, people, subjects, said, scores)


def best_items(
    db: Database,
    rows: Sequence[SentenceRow],
    count: int,
    newest_first: bool = False,
    topic: str = "",
    memo: dict[tuple, Scored] | None = None,
) -> list[BriefItem]:
    """The ``count`` best sentences among ``rows``, one per development, the most important first. ``memo`` keeps
    each set of rows' scoring for the selections of other lengths (a briefing's three lengths score alike)."""
    key = (tuple(r.id for r in rows), newest_first, topic)
    scored = memo.get(key) if memo is not None else None
    if scored is None:
        scored = score_candidates(db, rows, newest_first, topic)
        if memo is not None:
            memo[key] = scored
    scores, similarity, same, said = scored.scores, scored.similarity, scored.same, scored.said
    items = select_items(rows, scores, similarity, count, same, [scored.subjects.get(r.id) for r in rows], said)
    if newest_first:
        items = _cover_people(rows, scores, similarity, same, scored.people, scored.subjects, items, said)
    return sorted(items, key=lambda i: (-i.score, i.sentence_id))


def _cover_people(
    rows: Sequence[SentenceRow],
    scores: np.ndarray,
    similarity: sparse.csr_matrix,
    same: dict[int, set[int]],
    people: dict[int, list[int]],
    subjects: dict[int, int],
    items: list[BriefItem],
    said: Sequence[Report] | None = None,
) -> list[BriefItem]:
    """The latest news is about its people: everyone named in two or more of the latest articles gets a sentence
    of their own, in place of the weakest items that name nobody in the news."""
    articles: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        for person in people.get(row.id, ()):
            articles[person].add(row.article_id)
    in_news = [p for p in sorted(articles, key=lambda p: (-len(articles[p]), p)) if len(articles[p]) >= 2]
    if not in_news:
        return items
    index = {r.id: i for i, r in enumerate(rows)}
    similarity = similarity.tocsr()
    items = list(items)

    def named(item: BriefItem) -> set[int]:
        return set(people.get(item.sentence_id, ()))

    for person in in_news:
        if any(person in named(i) for i in items):
            continue
        chosen = [index[i.sentence_id] for i in items]
        best = None
        for k in np.argsort(-scores, kind="stable"):
            k = int(k)
            if subjects.get(rows[k].id) != person or scores[k] <= 0:
                continue
            near = similarity[k].toarray().ravel()
            if any(near[c] > ranking.REDUNDANT or c in same.get(k, ()) for c in chosen):
                continue
            best = k
            break
        if best is None:
            continue
        # The weakest item that is the only one naming nobody else in the news gives way.
        covered_elsewhere = lambda item: all(  # noqa: E731
            p not in in_news or any(p in named(o) for o in items if o is not item) for p in named(item)
        )
        spare = [i for i in items if covered_elsewhere(i)]
        if not spare:
            break
        weakest = min(spare, key=lambda i: i.score)
        items.remove(weakest)
        row = rows[best]
        citations = [cite(row)] + [
            cite(rows[j])
            for j in sorted(same.get(best, ()))
            if rows[j].source != row.source and (said is None or same_report(said[best], said[j]))
        ]
        by_outlet: dict[str, Citation] = {}
        for c in citations:
            by_outlet.setdefault(c.source, c)  # one citation per outlet, the first kept
        unique = list(by_outlet.values())
        items.append(BriefItem(row.id, row.text, unique, row.story_id, float(scores[best])))
    return items


def find_articles(db: Database, topic: str, since: str | None = None, limit: int = MAX_ARTICLES) -> list[Article]:
    """The newest articles for a topic: a full-text match, else the articles mentioning an entity of that name."""
    if not topic:
        return store.matching_articles(db, since=since, limit=limit)
    found = store.matching_articles(db, topic, since=since, limit=limit)
    if found:
        return found
    entities = entity_store.entities_by_key(db, alias_key(topic)) or entity_store.entities_by_key(
        db, alias_key(topic), "weak"
    )
    if entities:
        return store.matching_articles(db, entity_ids=[e.id for e in entities], since=since, limit=limit)
    return []


def no_match_message(db: Database, topic: str, since: str | None) -> str:
    """Why there is no briefing, and what the store does cover."""
    if store.count_articles(db) == 0:
        return "The article store is empty: nothing has been ingested yet."
    window = f" since {since}" if since else ""
    suggestions = [e.name for e, _ in top_entities(db, [a.id for a in store.matching_articles(db, limit=500)], 6)]
    searched = f"No stored articles match “{topic}”{window}." if topic else f"No stored articles{window}."
    if suggestions:
        searched += " Topics with the most coverage: " + ", ".join(suggestions) + "."
    return searched


def novel_ids(rows: Sequence[SentenceRow], delivered: Sequence[SentenceRow]) -> set[int]:
    """Ids of candidate sentences that paraphrase neither a delivered sentence nor an earlier candidate."""
    if not rows:
        return set()
    all_rows = list(delivered) + list(rows)
    similarity = ranking.similarity_matrix([ranking_words(r.tokens) for r in all_rows]).toarray()
    offset = len(delivered)
    novel: set[int] = set()
    kept: list[int] = []
    for i in range(offset, len(all_rows)):
        if offset and similarity[i, :offset].max() > ranking.PARAPHRASE:
            continue
        if kept and similarity[i, kept].max() > ranking.PARAPHRASE:
            continue
        kept.append(i)
        novel.add(all_rows[i].id)
    return novel
