from __future__ import annotations

import os

from store.process_caches import ProcessCaches


def test_an_lru_of_caches_made_on_first_use() -> None:
    made: list[int] = []

    def factory() -> list[int]:
        made.append(1)
        return []

    caches: ProcessCaches[str, list[int]] = ProcessCaches(2, factory)
    a = caches.get("a")
    assert caches.get("a") is a and len(made) == 1
    caches.get("b")
    caches.get("a")  # a is now the most recent
    caches.get("c")  # so b goes
    assert [k for k in ("a", "b", "c") if k in caches._items] == ["a", "c"]
    caches.clear()
    assert caches.values() == []


def test_a_forked_child_starts_without_caches() -> None:
    caches: ProcessCaches[str, dict[str, int]] = ProcessCaches(4, dict)
    caches.get("db")["n"] = 1
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing inherited, and the lock is usable
        os.write(w, b"%d" % len(caches.values()))
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 8) == b"0"
    assert caches.get("db") == {"n": 1}  # the parent keeps its own
