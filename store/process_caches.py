"""Per-process caches of dedup windows, one per database file or engine index.

A process keeps the window it last saw of a few stores (an LRU), shared by every thread
and every state object it opens on them. A forked child starts with none: a lock held by
another thread of the parent at fork time would never be released in the child.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_ALL: weakref.WeakSet[ProcessCaches] = weakref.WeakSet()  # type: ignore[type-arg]


class ProcessCaches(Generic[K, V]):
    def __init__(self, size: int, factory: Callable[[], V]) -> None:
        self.size = size
        self.factory = factory
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, key: K) -> V:
        """The cache for ``key``, made on first use; the least recently used beyond
        ``size`` are forgotten."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                item = self._items[key] = self.factory()
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            self._items.move_to_end(key)
            return item

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def values(self) -> list[V]:
        with self._lock:
            return list(self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._items.clear()


def _after_fork() -> None:
    for caches in list(_ALL):
        caches._after_fork()


os.register_at_fork(after_in_child=_after_fork)
