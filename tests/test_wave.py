"""A digest wave worked out ahead, topic by topic and mark by mark: the same digests, one mark's arrivals held at a
time."""

import pytest

from bot import render
from service.changes import compute_changes
from service.diffcache import DiffCache
from service.wave import prepare_wave
from tests.conftest import SEED


@pytest.fixture
def wave(service):
    """Six chats on Gaza and Hezbollah at three marks: never briefed, briefed after 003, briefed after 004 (a long
    briefing for some, so they were shown more); then 000-002 arrive."""
    service.ingest([str(SEED["003"])])
    for chat_id in (1, 2, 3, 4, 5, 6):
        service.update_chat(chat_id, length="short" if chat_id % 2 else "long")
        for topic in ("Gaza", "Hezbollah"):
            service.subscribe(chat_id, topic)
    for chat_id in (2, 3):
        service.brief("Gaza", chat_id=chat_id, length="short" if chat_id % 2 else "long")
    service.ingest([str(SEED["004"])])
    for chat_id in (4, 5, 6):
        for topic in ("Gaza", "Hezbollah"):
            service.brief(topic, chat_id=chat_id, length="short" if chat_id % 2 else "long")
    service.ingest([str(SEED[k]) for k in ("000", "001", "002")])
    return service


def digests(service, cache: DiffCache) -> list[str]:
    return [
        render.changes(compute_changes(service.db, chat_id, topic, length, cache, record=False))
        for chat_id, length in ((1, "short"), (2, "long"), (3, "short"), (4, "long"), (5, "short"), (6, "long"))
        for topic in ("Gaza", "Hezbollah")
    ]


def test_a_prepared_wave_gives_every_chat_the_digest_it_would_get_unprepared(wave):
    cache = DiffCache()
    prepared = prepare_wave(wave.db, range(1, 7), cache)
    assert (prepared.chats, prepared.topics) == (6, 12)
    assert digests(wave, cache) == digests(wave, DiffCache())


def test_a_prepared_wave_lets_each_marks_arrivals_go_and_computes_nothing_twice(wave):
    cache = DiffCache()
    prepare_wave(wave.db, range(1, 7), cache)
    misses = cache.misses
    digests(wave, cache)
    assert cache.misses - misses == 2  # each topic's article search, once; every diff was ready
    assert cache.kinds() == {"articles", "state", "brief"}  # no mark's arrivals, no topic's reads


def test_each_chat_is_announced_ready_once_when_its_last_topic_is_done(wave, monkeypatch):
    from service import wave as waves

    done_topics: list[str] = []
    real = waves.compute_changes

    def computing(db, chat_id, topic, *args, **kwargs):
        done_topics.append(topic)
        return real(db, chat_id, topic, *args, **kwargs)

    monkeypatch.setattr(waves, "compute_changes", computing)
    announced: list[tuple[int, int]] = []  # (chat, topics worked out by then)
    prepare_wave(
        wave.db, [1, 2, 3, 4, 5, 6, 99], DiffCache(), lambda chat_id: announced.append((chat_id, len(done_topics)))
    )
    assert sorted(chat for chat, _ in announced) == [1, 2, 3, 4, 5, 6]  # 99 is no chat
    # Every chat follows both topics: none is ready before the second topic's diffs are all worked out.
    assert {by for _, by in announced} == {len(done_topics)}
