"""The one-page hand-off between the thread reading pages and the caller writing them."""

import threading
import time

import pytest

from jobmatch.sync.prefetch import prefetched


class Source:
    """Pages 1..n, recording how far reading got, which thread read, and whether the iterator was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.read: list[int] = []
        self.threads: set[int] = set()
        self.closed = False

    def __call__(self):
        try:
            for number in range(1, self.count + 1):
                self.threads.add(threading.get_ident())
                if number == self.fail_at:
                    raise ConnectionError(f"page {number} failed")
                self.read.append(number)
                yield number
        finally:
            self.closed = True


def test_pages_arrive_in_order_read_by_another_thread() -> None:
    source = Source(5)
    with prefetched(source) as pages:
        assert list(pages) == [1, 2, 3, 4, 5]
    assert source.closed
    assert threading.get_ident() not in source.threads


def test_the_reader_stays_at_most_one_page_ahead_of_the_writer() -> None:
    source = Source(10)
    with prefetched(source) as pages:
        for number in pages:
            time.sleep(0.02)  # a slow write: the reader waits at the hand-off
            assert len(source.read) <= number + 2  # the page written, the one handed over, the one being read


def test_an_error_of_the_reader_is_raised_in_the_caller_after_the_pages_before_it() -> None:
    source = Source(5, fail_at=3)
    received = []
    with pytest.raises(ConnectionError, match="page 3 failed"):
        with prefetched(source) as pages:
            for number in pages:
                received.append(number)
    assert received == [1, 2]


def test_a_caller_that_stops_stops_the_reader() -> None:
    source = Source(1000)
    with pytest.raises(RuntimeError, match="write failed"):
        with prefetched(source) as pages:
            for number in pages:
                if number == 2:
                    raise RuntimeError("write failed")
    assert source.closed
    assert len(source.read) <= 4
