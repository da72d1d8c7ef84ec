"""OpenSearch backend: ``opensearch://host:port`` (``opensearchs://`` for TLS), ``opensearch-py``.

The adapter absorbs what differs from the Elasticsearch client: JSON bodies go in ``body=``,
point-in-time is ``create_pit``/``delete_pit`` (answering ``pit_id``), errors carry
``status_code``/``error``/``info`` and a failed connection has the status ``"N/A"``.
Everything else is ``store.es_common``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from store.es_store import EngineAdapter, EngineStore, store_from_url


class OpenSearchAdapter(EngineAdapter):
    kind = "opensearch"

    def __init__(
        self,
        hosts: list[str],
        *,
        http_auth: tuple[str, str] | None = None,
        verify_certs: bool = True,
        ca_certs: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        from opensearchpy import OpenSearch, helpers
        from opensearchpy.exceptions import NotFoundError

        self._helpers = helpers
        kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": 3, "retry_on_timeout": True}
        if http_auth:
            kwargs["http_auth"] = http_auth
        if hosts[0].startswith("https"):
            kwargs["use_ssl"] = True
            kwargs["verify_certs"] = verify_certs
            if ca_certs:
                kwargs["ca_certs"] = ca_certs
        self.client = OpenSearch(hosts, **kwargs)
        self.not_found = NotFoundError

    def error_info(self, exc: Exception) -> tuple[int | None, str, str] | None:
        from opensearchpy.exceptions import ImproperlyConfigured, TransportError

        if isinstance(exc, TransportError):
            status = exc.status_code if isinstance(exc.status_code, int) else None
            info = exc.info if isinstance(exc.info, dict) else {}
            err = info.get("error")
            if isinstance(err, dict):
                return status, str(err.get("type", "")), str(err.get("reason", ""))
            if status is None:  # ConnectionError / ConnectionTimeout: no answer
                return None, type(exc).__name__, str(exc.error)
            return status, str(exc.error), str(err or exc.info or "")
        if isinstance(exc, ImproperlyConfigured):
            return None, type(exc).__name__, str(exc)
        return None

    def mget_sources(
        self, index: str, ids: list[str], fields: list[str]
    ) -> dict[str, dict[str, Any]]:
        res = self.client.mget(
            index=index, body={"ids": ids}, params={"_source_includes": ",".join(fields)}
        )
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
        params: dict[str, Any] = {}
        if create:
            params["op_type"] = "create"
        if if_seq_no is not None:
            params["if_seq_no"] = if_seq_no
            params["if_primary_term"] = if_primary_term
        if refresh:
            params["refresh"] = "true"
        return dict(self.client.index(index=index, id=doc_id, body=doc, params=params))

    def delete(
        self, index: str, doc_id: str, *, if_seq_no: int | None = None,
        if_primary_term: int | None = None,
    ) -> None:  # fmt: skip
        params: dict[str, Any] = {}
        if if_seq_no is not None:
            params["if_seq_no"] = if_seq_no
            params["if_primary_term"] = if_primary_term
        self.client.delete(index=index, id=doc_id, params=params)

    def scan(self, index: str, body: dict[str, Any], size: int) -> Iterator[dict[str, Any]]:
        return iter(self._helpers.scan(self.client, query=body, index=index, size=size))

    def bulk_ndjson(self, index: str, body: str, filter_path: str) -> dict[str, Any]:
        return dict(self.client.bulk(index=index, body=body, params={"filter_path": filter_path}))

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
            max_retries=0,
        )

    def open_pit(self, index: str, keep_alive: str) -> str:
        return str(self.client.create_pit(index=index, params={"keep_alive": keep_alive})["pit_id"])

    def close_pit(self, pit_id: str) -> None:
        self.client.delete_pit(body={"pit_id": [pit_id]})


def from_url(url: str, *, spool_dir: str | Path | None = None) -> EngineStore:
    """``opensearch://[user:pass@]host:port[,host:port][?prefix=rasid&...]``."""
    return store_from_url(url, "opensearch", OpenSearchAdapter, "http_auth", spool_dir)
