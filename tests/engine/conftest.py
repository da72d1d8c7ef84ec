"""One real Elasticsearch and one real OpenSearch node per test session, on loopback.

Started from Maven Central artifacts by tools/engines.py (fetched once into .cache/engines).
No skips: an engine that cannot start fails the tests that need it, with its log tail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# tools/ is a repo folder, not an installed package; tests run with --import-mode=importlib.
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.engines import EngineError, EngineNode, start_node  # noqa: E402

START_TIMEOUT_S = 240.0


# Security is on for the Elasticsearch node (file-realm superuser over plain HTTP) so that a
# wrong password is a real 401; the OpenSearch zip has no security plugin.
ES_USER = ("rasid", "rasid-test-password")


def _run_node(kind: str) -> Iterator[EngineNode]:
    node: EngineNode | None = None
    try:
        node = start_node(
            kind,
            cluster_name=f"rasid-test-{kind}",
            heap="512m",
            security_user=ES_USER if kind == "elasticsearch" else None,
        )
        node.wait_ready(START_TIMEOUT_S)
    except EngineError as exc:
        if node is not None:
            node.cleanup()
        pytest.fail(f"{kind} could not start: {exc}", pytrace=False)
    try:
        yield node
    finally:
        node.cleanup()


@pytest.fixture(scope="session")
def es_node() -> Iterator[EngineNode]:
    yield from _run_node("elasticsearch")


@pytest.fixture(scope="session")
def opensearch_node() -> Iterator[EngineNode]:
    yield from _run_node("opensearch")


@pytest.fixture(scope="session")
def es_url(es_node: EngineNode) -> str:
    """``http://user:password@127.0.0.1:PORT`` (both clients and httpx read the userinfo)."""
    return es_node.url_with_auth


@pytest.fixture(scope="session")
def opensearch_url(opensearch_node: EngineNode) -> str:
    return opensearch_node.url


def http_client(node: EngineNode) -> httpx.Client:
    return httpx.Client(base_url=node.url, auth=node.auth, timeout=60)


@pytest.fixture(scope="session")
def es_http(es_node: EngineNode) -> Iterator[httpx.Client]:
    with http_client(es_node) as client:
        yield client


@pytest.fixture(scope="session")
def opensearch_http(opensearch_node: EngineNode) -> Iterator[httpx.Client]:
    with http_client(opensearch_node) as client:
        yield client
