"""Reading the next page from Kombo while the current one is written: a thread runs the page iterator and hands
its pages over one at a time, so a sync takes about as long as its reads instead of its reads plus its writes.

The iterator runs wholly in that thread (the HTTP client is used by one thread at a time, and the database
session never leaves the caller's); at most one page waits in the hand-off. An error on either side stops both:
the reader's error is raised in the caller, and a caller that stops (an error, a lost lease, Ctrl-C) makes the
reader close its iterator after the request in flight (waited for a few seconds, not through a long retry).
"""

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_DONE = object()
_POLL = 0.1  # seconds between the reader's checks that the caller still wants pages
_JOIN = 5.0  # seconds the caller waits for the reader to finish its request in flight before going on without it


@contextmanager
def prefetched(pages: Callable[[], Iterator[T]]) -> Iterator[Iterator[T]]:
    """`pages()` iterated in a thread of its own, one page ahead of the caller."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            iterator = pages()
            try:
                for page in iterator:
                    if not hand(page):
                        return
            finally:
                close = getattr(iterator, "close", None)
                if close:
                    close()
        except BaseException as exc:  # handed to the caller, which raises it
            hand(_Failed(exc))
            return
        hand(_DONE)

    def received() -> Iterator[T]:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    reader = threading.Thread(target=read, name="kombo-prefetch", daemon=True)
    reader.start()
    try:
        yield received()
    finally:
        stop.set()
        reader.join(_JOIN)
        if reader.is_alive():  # in a retry's wait or a slow request: it stops when that ends, handing nothing on
            log.warning("the page reader is still in a request; it stops when the request ends")


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error
