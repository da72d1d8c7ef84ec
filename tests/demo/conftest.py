"""Fixtures for the demo corpus tests: one loopback server per module."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from demo.server import CorpusServer, serve_corpus


@pytest.fixture(scope="module")
def server() -> Iterator[CorpusServer]:
    with serve_corpus() as s:
        yield s


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c
