"""A memo bounded by the bytes it holds, not by its number of entries.

An entry-count bound lets memory grow with the size of what is remembered: 200 000 long
questions take gigabytes where 200 000 sentences take tens of megabytes. This one drops the
least recently used entries once their estimated size passes ``max_bytes``, and does not keep
an entry larger than ``max_entry_bytes`` at all (so one huge text cannot flush the rest).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ByteBoundedMemo", "size_of_terms"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def size_of_terms(text: str, terms: frozenset[str]) -> int:
    """Estimated bytes of a text and its set of terms."""
    return sys.getsizeof(text) + sys.getsizeof(terms) + sum(sys.getsizeof(t) for t in terms)


class ByteBoundedMemo(Generic[K, V]):
    """``get_or_compute(key, compute)`` remembering results within a byte budget (thread-safe)."""

    def __init__(
        self, max_bytes: int, size_of: Callable[[K, V], int], max_entry_bytes: int | None = None
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else max_bytes // 64
        self._size_of = size_of
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V) -> None:
        size = self._size_of(key, value)
        if size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        found = self.get(key)
        if found is None:
            found = compute()
            self.put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
