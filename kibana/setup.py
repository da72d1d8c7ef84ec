"""Import Rasid's Kibana saved objects (data views, saved searches, visualisations, a map and
a dashboard) through Kibana's saved-objects API, after making sure the index template,
the write alias and the alerts index exist.

    rasid kibana setup --kibana-url http://elastic:PASSWORD@127.0.0.1:5601

The objects live in ``kibana/saved_objects.ndjson`` (Kibana 8's export format). They read
``rasid-articles*`` (time field ``published_at``) and ``rasid-alerts*`` (``fired_at``); a store
with another prefix gets the data-view patterns rewritten to its own. The pure helpers
below list every field the objects use, so a test can check each exists in the mapping
with a type the visualisation can aggregate (Kibana itself cannot run in CI).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from store.base import Store, StoreError

SAVED_OBJECTS = Path(__file__).with_name("saved_objects.ndjson")
DEFAULT_PREFIX = "rasid"

# Aggregation -> field types it can run on.
_AGG_TYPES = {
    "date_histogram": {"date"},
    "terms": {"keyword"},
    "significant_terms": {"keyword"},
    "cardinality": {"keyword", "long", "float", "date"},
    "top_hits": {"keyword"},  # Kibana shows a top hit's value from doc values
    "min": {"date", "long", "float"},
    "max": {"date", "long", "float"},
    "geohash_grid": {"geo_point"},
    "geotile_grid": {"geo_point"},
    "geo_centroid": {"geo_point"},
}
_SORTABLE = {"date", "keyword", "long", "float", "integer", "double"}
_KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*:")


@dataclass(frozen=True)
class FieldUse:
    object_id: str
    data_view: str  # the data view's id
    field: str
    types: frozenset[str] | None  # acceptable mapping types; None: the field must just exist
    why: str


def load_objects(path: Path = SAVED_OBJECTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def data_views(objects: list[dict[str, Any]]) -> dict[str, str]:
    """{data view id: index pattern}."""
    return {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}


def _ref(obj: dict[str, Any], name: str) -> str:
    for ref in obj.get("references", []):
        if ref["name"] == name:
            return str(ref["id"])
    raise KeyError(f"{obj['id']}: no reference named {name}")


def field_uses(objects: list[dict[str, Any]]) -> list[FieldUse]:
    """Every field a saved object reads, with the mapping types it needs (pure)."""
    uses: list[FieldUse] = []
    for o in objects:
        a, oid = o["attributes"], o["id"]
        if o["type"] == "index-pattern":
            if a.get("timeFieldName"):
                uses.append(
                    FieldUse(oid, oid, a["timeFieldName"], frozenset({"date"}), "time field")
                )
            continue
        if o["type"] in ("search", "visualization"):
            view = _ref(o, "kibanaSavedObjectMeta.searchSourceJSON.index")
            source = json.loads(a["kibanaSavedObjectMeta"]["searchSourceJSON"])
            for field in _KQL_FIELD.findall(source.get("query", {}).get("query", "")):
                uses.append(FieldUse(oid, view, field, None, "query"))
        if o["type"] == "search":
            uses += [FieldUse(oid, view, c, None, "column") for c in a.get("columns", [])]
            uses += [
                FieldUse(oid, view, s[0], frozenset(_SORTABLE), "sort") for s in a.get("sort", [])
            ]
        elif o["type"] == "visualization":
            for agg in json.loads(a["visState"]).get("aggs", []):
                field = agg.get("params", {}).get("field")
                if field:
                    types = _AGG_TYPES.get(agg["type"])
                    uses.append(
                        FieldUse(oid, view, field, frozenset(types) if types else None, agg["type"])
                    )
                sort_field = agg.get("params", {}).get("sortField")
                if sort_field:
                    uses.append(FieldUse(oid, view, sort_field, frozenset(_SORTABLE), "sort"))
        elif o["type"] == "map":
            for layer in json.loads(a["layerListJSON"]):
                src = layer.get("sourceDescriptor", {})
                if src.get("geoField"):
                    view = _ref(o, src["indexPatternRefName"])
                    uses.append(
                        FieldUse(oid, view, src["geoField"], frozenset({"geo_point"}), "map")
                    )
    return uses


def flatten_mapping(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{dotted field path: type} including object/nested children and multi-fields."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        out[path] = spec.get("type", "object")
        if "properties" in spec:
            out.update(flatten_mapping(spec["properties"], f"{path}."))
        for sub, sub_spec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = sub_spec.get("type", "object")
    return out


def check_fields(objects: list[dict[str, Any]], mappings: dict[str, dict[str, Any]]) -> list[str]:
    """Problems with the fields the objects use, given {data view id: mapping properties}."""
    problems = []
    for use in field_uses(objects):
        fields = flatten_mapping(mappings[use.data_view])
        actual = fields.get(use.field)
        if actual is None:
            problems.append(f"{use.object_id}: {use.why} field [{use.field}] is not mapped")
        elif use.types is not None and actual not in use.types:
            wanted = "/".join(sorted(use.types))
            problems.append(
                f"{use.object_id}: {use.why} field [{use.field}] is [{actual}], needs [{wanted}]"
            )
    return problems


def objects_for_prefix(ndjson: str, prefix: str) -> str:
    """The NDJSON with the data-view patterns of another store prefix."""
    if prefix == DEFAULT_PREFIX:
        return ndjson
    for name in ("articles", "alerts"):
        ndjson = ndjson.replace(
            f'"title": "{DEFAULT_PREFIX}-{name}*"', f'"title": "{prefix}-{name}*"'
        )
    return ndjson


def _split_auth(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if not parts.username:
        return url.rstrip("/"), None
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")
    return clean, (parts.username, parts.password or "")


def _import_answer(r: httpx.Response, base: str) -> dict[str, Any]:
    """The JSON of Kibana's import answer. A --kibana-url that is not Kibana (a wrong port, a
    proxy's login page, a redirect) answered HTML and raised a bare JSONDecodeError."""
    ctype = r.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "success" not in body:
        raise StoreError(
            f"{base} did not answer as Kibana (got {ctype}, HTTP {r.status_code}): "
            "is --kibana-url Kibana's own address (port 5601 by default)?"
        )
    return body


def setup_kibana(
    kibana_url: str,
    store: Store,
    *,
    space: str | None = None,
    overwrite: bool = True,
    objects_path: Path = SAVED_OBJECTS,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Create the index template/alias if missing, then import the saved objects.

    Returns a summary (what was imported, the template name). Raises ``StoreError`` with a
    cause when the store is not a search engine, or Kibana is unreachable or refuses.
    """
    setup = getattr(store, "setup", None)
    names = getattr(store, "names", None)
    if setup is None or names is None:
        raise StoreError(
            f"Kibana reads Elasticsearch: the store {store.url} is not one "
            "(use --store elasticsearch://HOST:PORT or https://HOST:PORT)",
            cause="error",
        )
    setup()  # index template, write alias and side indices: idempotent
    ndjson = objects_for_prefix(objects_path.read_text(encoding="utf-8"), names.prefix)
    base, auth = _split_auth(kibana_url)
    path = f"/s/{space}/api/saved_objects/_import" if space else "/api/saved_objects/_import"
    try:
        r = httpx.post(
            f"{base}{path}",
            params={"overwrite": "true"} if overwrite else None,
            files={"file": ("rasid.ndjson", ndjson.encode("utf-8"), "application/ndjson")},
            headers={"kbn-xsrf": "rasid"},
            auth=auth,
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise StoreError(f"Kibana at {base} is unreachable: {exc}", cause="unreachable") from exc
    if r.status_code in (401, 403):
        raise StoreError(
            f"Kibana at {base} refused the credentials (HTTP {r.status_code})", cause="auth"
        )
    if r.status_code >= 400:
        raise StoreError(f"Kibana import failed: HTTP {r.status_code}: {r.text[:500]}")
    body = _import_answer(r, base)
    if not body.get("success", False):
        errors = [
            f"{e.get('type')}/{e.get('id')}: {e.get('error')}" for e in body.get("errors", [])
        ]
        raise StoreError(f"Kibana imported only part of the objects: {'; '.join(errors)[:1000]}")
    objects = load_objects(objects_path)
    return {
        "kibana": base,
        "imported": body.get("successCount", 0),
        "objects": [f"{o['type']}:{o['id']}" for o in objects],
        "index_template": names.template,
        "data_views": sorted(data_views(load_objects(objects_path)).values()),
    }
