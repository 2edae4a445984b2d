"""The runner's threads take a person's work before the digest wave's."""

import threading

import pytest

from bot.runner import BACKGROUND, NOW, PriorityPool


@pytest.fixture
def pool():
    pool = PriorityPool(1, "test-runner")
    yield pool
    pool.shutdown()


def test_a_command_waits_for_the_work_running_never_for_the_background_work_queued(pool):
    order: list[str] = []
    started, release = threading.Event(), threading.Event()

    def running() -> None:
        started.set()
        release.wait(5)
        order.append("digest running")

    first = pool.submit(BACKGROUND, running)
    started.wait(5)
    queued = [pool.submit(BACKGROUND, lambda i=i: order.append(f"digest {i}")) for i in range(3)]
    command = pool.submit(NOW, lambda: order.append("command"))
    release.set()
    for future in [first, *queued, command]:
        future.result(5)
    assert order == ["digest running", "command", "digest 0", "digest 1", "digest 2"]


def test_an_error_reaches_the_caller_and_the_thread_goes_on(pool):
    failing = pool.submit(NOW, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(5)
    assert pool.submit(NOW, lambda: "next").result(5) == "next"


def test_shutting_down_finishes_the_work_queued():
    pool = PriorityPool(2, "test-runner")
    done: list[int] = []
    futures = [pool.submit(BACKGROUND, lambda i=i: done.append(i)) for i in range(20)]
    pool.shutdown()
    assert sorted(done) == list(range(20)) and all(f.done() for f in futures)
