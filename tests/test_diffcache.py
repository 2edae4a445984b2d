"""The diff cache: least recently used out, each kind of entry within its own budget."""

from service.diffcache import DiffCache


def made(cache: DiffCache, key: tuple) -> bool:
    """Whether getting ``key`` had to make it."""
    calls = []
    cache.get(key, lambda: calls.append(key))
    return bool(calls)


def test_a_kind_with_a_budget_of_its_own_keeps_its_entries_while_small_ones_come_and_go():
    cache = DiffCache(size=2, limits={"arrivals": 3})
    for mark in range(3):
        made(cache, ("arrivals", "gaza", mark))
    for state in range(50):
        made(cache, ("diff", "gaza", state))
    assert [made(cache, ("arrivals", "gaza", mark)) for mark in range(3)] == [False, False, False]
    assert made(cache, ("diff", "gaza", 0))


def test_the_least_recently_used_entry_of_a_kind_goes_first():
    cache = DiffCache(size=2)
    made(cache, ("diff", 1))
    made(cache, ("diff", 2))
    made(cache, ("diff", 1))  # 1 is now the most recent
    made(cache, ("diff", 3))
    assert (made(cache, ("diff", 1)), made(cache, ("diff", 2))) == (False, True)


def test_hits_and_misses_are_counted():
    cache = DiffCache()
    for key in [("brief", "a"), ("brief", "a"), ("brief", "b")]:
        made(cache, key)
    assert (cache.hits, cache.misses) == (1, 2)


def test_clearing_a_kind_forgets_it_and_keeps_the_others():
    cache = DiffCache()
    made(cache, ("arrivals", "gaza", 1))
    made(cache, ("state", "gaza", 1))
    cache.clear("arrivals")
    assert (made(cache, ("arrivals", "gaza", 1)), made(cache, ("state", "gaza", 1))) == (True, False)


def test_entries_of_one_kind_are_taken_from_another_cache_within_the_limit():
    own, shared = DiffCache(), DiffCache(limits={"state": 2})
    for state in range(3):
        made(own, ("state", "gaza", state))
    made(own, ("arrivals", "gaza", 1))
    shared.update(own, "state")
    assert [made(shared, ("state", "gaza", s)) for s in (2, 1, 0)] == [False, False, True]  # the oldest went
    assert made(shared, ("arrivals", "gaza", 1))
