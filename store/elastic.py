"""Elasticsearch backend: ``elasticsearch://host:port`` or ``http(s)://host:port``.

Uses the official ``elasticsearch`` client (8 or 9), which talks only to real Elasticsearch
(it checks the ``X-Elastic-Product`` header). Everything but the client calls is in
``store.es_store`` and ``store.es_common``.

REST compatibility: a 9.x client sends ``compatible-with=9`` media types, which an 8.x server
rejects («Accept version must be either version 8 or 7»). The transport below asks the
server its version once and, for an older major, sends that major instead; the request
bodies Rasid uses are the same in 8 and 9.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elastic_transport import Transport
from elastic_transport import TransportError as _TransportError

from store.es_store import EngineAdapter, EngineStore, store_from_url

_COMPAT = re.compile(r"compatible-with=(\d+)")


class CompatTransport(Transport):
    """Rewrites the client's ``compatible-with`` major to the server's when it is older."""

    _server_major: int | None = None

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:  # type: ignore[override]
        headers = kwargs.get("headers")
        if headers and self._server_major is None:
            self._server_major = self._detect_major(headers)
        major = self._server_major
        if headers and major:
            fixed = {}
            for key, value in headers.items():
                if key.lower() in ("accept", "content-type") and isinstance(value, str):
                    m = _COMPAT.search(value)
                    if m and int(m.group(1)) > major:
                        value = _COMPAT.sub(f"compatible-with={major}", value)
                fixed[key] = value
            kwargs["headers"] = fixed
        return super().perform_request(method, target, **kwargs)

    def _detect_major(self, headers: Any) -> int | None:
        # Same credentials as the real request, plain JSON instead of the compat media type.
        plain = {k: v for k, v in headers.items() if k.lower() not in ("accept", "content-type")}
        plain["accept"] = "application/json"
        try:
            resp = super().perform_request("GET", "/", headers=plain)
        except Exception:
            return None  # the real request will report the problem; ask again next time
        try:
            return int(str(resp.body["version"]["number"]).split(".", 1)[0])
        except (KeyError, TypeError, ValueError):
            return 0  # not a version we can read: send the client's own headers


class ElasticsearchAdapter(EngineAdapter):
    kind = "elasticsearch"

    def __init__(
        self,
        hosts: list[str],
        *,
        basic_auth: tuple[str, str] | None = None,
        verify_certs: bool = True,
        ca_certs: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        from elasticsearch import Elasticsearch, NotFoundError, helpers

        self._helpers = helpers
        kwargs: dict[str, Any] = {
            "request_timeout": timeout,
            "max_retries": 3,
            "retry_on_timeout": True,
            "transport_class": CompatTransport,
        }
        if basic_auth:
            kwargs["basic_auth"] = basic_auth
        if hosts[0].startswith("https"):
            kwargs["verify_certs"] = verify_certs
            if ca_certs:
                kwargs["ca_certs"] = ca_certs
        self.client = Elasticsearch(hosts, **kwargs)
        self.not_found = NotFoundError

    def error_info(self, exc: Exception) -> tuple[int | None, str, str] | None:
        from elasticsearch import ApiError

        if isinstance(exc, ApiError):
            body = exc.body if isinstance(exc.body, dict) else {}
            err = body.get("error")
            if isinstance(err, dict):
                return exc.meta.status, str(err.get("type", "")), str(err.get("reason", ""))
            return exc.meta.status, type(exc).__name__, str(err or exc.message)
        if isinstance(exc, _TransportError):  # no HTTP answer: refused, reset, timed out, TLS
            return None, type(exc).__name__, str(exc.message if hasattr(exc, "message") else exc)
        return None

    def mget_sources(
        self, index: str, ids: list[str], fields: list[str]
    ) -> dict[str, dict[str, Any]]:
        res = self.client.mget(index=index, ids=ids, source_includes=fields)
        return {d["_id"]: d.get("_source", {}) for d in res["docs"] if d.get("found")}

    def index(
        self,
        index: str,
        doc_id: str,
        doc: dict[str, Any] | str,
        *,
        create: bool = False,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
        refresh: bool = False,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"index": index, "id": doc_id, "document": doc}
        if create:
            kwargs["op_type"] = "create"
        if if_seq_no is not None:
            kwargs["if_seq_no"] = if_seq_no
            kwargs["if_primary_term"] = if_primary_term
        if refresh:
            kwargs["refresh"] = True
        return dict(self.client.index(**kwargs))

    def delete(
        self, index: str, doc_id: str, *, if_seq_no: int | None = None,
        if_primary_term: int | None = None,
    ) -> None:  # fmt: skip
        kwargs: dict[str, Any] = {"index": index, "id": doc_id}
        if if_seq_no is not None:
            kwargs["if_seq_no"] = if_seq_no
            kwargs["if_primary_term"] = if_primary_term
        self.client.delete(**kwargs)

    def scan(self, index: str, body: dict[str, Any], size: int) -> Iterator[dict[str, Any]]:
        return iter(self._helpers.scan(self.client, query=body, index=index, size=size))

    def bulk_ndjson(self, index: str, body: str, filter_path: str) -> dict[str, Any]:
        return dict(self.client.bulk(index=index, operations=body, filter_path=filter_path))

    def streaming_bulk(
        self, actions: list[dict[str, Any]], *, chunk_size: int, max_chunk_bytes: int
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        return self._helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=chunk_size,
            max_chunk_bytes=max_chunk_bytes,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=0,  # the store retries 429/5xx itself, with backoff, then spools
        )

    def open_pit(self, index: str, keep_alive: str) -> str:
        return str(self.client.open_point_in_time(index=index, keep_alive=keep_alive)["id"])

    def close_pit(self, pit_id: str) -> None:
        self.client.close_point_in_time(id=pit_id)


def from_url(url: str, *, spool_dir: str | Path | None = None) -> EngineStore:
    """``elasticsearch://[user:pass@]host:port[,host:port][?prefix=rasid&...]`` (or http/https)."""
    return store_from_url(url, "elasticsearch", ElasticsearchAdapter, "basic_auth", spool_dir)
