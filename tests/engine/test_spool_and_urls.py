"""Pure parts of the engine backends: the spool, store URLs, error causes, query shapes,
and the node settings of tools.engines (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rasid.records import SearchQuery
from store.es_common import classify, parse_store_url, search_body, spool_for
from store.spool import Spool, SpoolFull
from tools.engines import _pin_jvm_paths, node_settings


def test_spool_replays_in_order_and_deletes_only_what_was_written(tmp_path: Path) -> None:
    sp = Spool(tmp_path / "s")
    sp.append([{"n": 1}, {"n": 2}])
    sp.append([{"n": 3}])
    assert sp.pending_count() == 3 and [r["n"] for r in sp.pending()] == [1, 2, 3]
    seen: list[int] = []

    def fail_on_second(records: list[dict]) -> None:
        seen.extend(r["n"] for r in records)
        if len(seen) > 2:
            raise RuntimeError("engine went away again")

    with pytest.raises(RuntimeError):
        sp.drain(fail_on_second)
    assert [r["n"] for r in sp.pending()] == [3]  # the failed segment is kept
    assert sp.drain(lambda records: None) == 1 and not sp.has_pending()


def test_spool_quota_refuses_instead_of_filling_the_disk(tmp_path: Path) -> None:
    sp = Spool(tmp_path / "s", quota_bytes=100)
    sp.append([{"x": "a" * 40}])
    with pytest.raises(SpoolFull):
        sp.append([{"x": "b" * 80}])
    assert sp.pending_count() == 1


def test_half_written_segments_are_ignored(tmp_path: Path) -> None:
    sp = Spool(tmp_path)
    (tmp_path / "00000000000000000001-1-000000.tmp").write_text('{"n": 1')  # a crash mid-write
    assert not sp.has_pending()


def test_store_url_hosts_credentials_and_options() -> None:
    u = parse_store_url("elasticsearch://el%40st:p%3Ass@h1:9201,h2?prefix=x&replicas=1&refresh=0")
    assert u.hosts == ("http://h1:9201", "http://h2:9200")
    assert (u.username, u.password) == ("el@st", "p:ss")
    assert "p:ss" not in u.redacted and "p%3Ass" not in u.redacted and "***" in u.redacted
    o = u.options()
    assert (o.prefix, o.replicas, o.refresh) == ("x", 1, False)
    assert parse_store_url("opensearchs://h:9200").hosts == ("https://h:9200",)
    assert parse_store_url("https://h:443").hosts == ("https://h:443",)
    assert parse_store_url("http://h:9200?index=news-articles").options().prefix == "news"


def test_spool_location(tmp_path: Path) -> None:
    assert spool_for(parse_store_url("es://h?spool=off"), "elasticsearch", "rasid") is None
    sp = spool_for(parse_store_url(f"es://h?spool={tmp_path}&spool_quota_mb=1"), "e", "p")
    assert sp is not None and sp.directory == tmp_path and sp.quota_bytes == 2**20


@pytest.mark.parametrize(
    ("status", "etype", "reason", "cause"),
    [
        (None, "ConnectionError", "refused", "unreachable"),
        (401, "security_exception", "unable to authenticate user", "auth"),
        (
            403,
            "cluster_block_exception",
            "index [x] blocked by: [FORBIDDEN/8/index write]",
            "read-only",
        ),
        (
            400,
            "document_parsing_exception",
            "failed to parse field [lang] of type [integer]",
            "mapping",
        ),
        (400, "mapper_parsing_exception", "failed to parse", "mapping"),
        (503, "unavailable_shards_exception", "primary shard is not active", "unreachable"),
        (404, "index_not_found_exception", "no such index", "error"),
    ],
)
def test_error_causes(status: int | None, etype: str, reason: str, cause: str) -> None:
    assert classify(status, etype, reason) == cause


def test_search_body_clitic_terms_filters_and_sort() -> None:
    body = search_body(SearchQuery(text="طرابلس", source="s1", sort="recency", limit=7))
    flt = body["query"]["bool"]["filter"]
    terms = flt[0]["bool"]["should"][0]["terms"]["title_norm"]
    assert "وطرابلس" in terms and "بطرابلس" in terms and "طرابلسي" not in terms
    assert {"term": {"source": "s1"}} in flt
    assert body["sort"][0] == {"dated_at": {"order": "desc"}} and body["size"] == 7
    assert "highlight" in body
    assert "highlight" not in search_body(SearchQuery())


def test_cluster_settings_name_seeds_and_masters() -> None:
    common = dict(node_name="n1", cluster_name="c", http_port=1, transport_port=2,
                  data_dir=Path("/d"), logs_dir=Path("/l"), seed_hosts=["127.0.0.1:2"],
                  initial_masters=["n1", "n2"])  # fmt: skip
    es = node_settings("elasticsearch", **common)  # type: ignore[arg-type]
    assert es["cluster.initial_master_nodes"] == ["n1", "n2"] and "discovery.type" not in es
    os_ = node_settings("opensearch", **common)  # type: ignore[arg-type]
    assert os_["cluster.initial_cluster_manager_nodes"] == ["n1", "n2"]
    assert "xpack.security.enabled" not in os_


def test_relative_jvm_paths_move_into_the_node_dirs(tmp_path: Path) -> None:
    opts = tmp_path / "jvm.options"
    opts.write_text(
        "-XX:HeapDumpPath=data\n# -XX:ErrorFile=keep/me\n-XX:ErrorFile=logs/hs_err_pid%p.log\n"
        "9-:-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,pid,tags:filecount=32\n"
    )
    _pin_jvm_paths(opts, tmp_path / "L", tmp_path / "T")
    text = opts.read_text()
    assert f"-XX:HeapDumpPath={tmp_path}/T/data" in text
    assert f"-XX:ErrorFile={tmp_path}/L/hs_err_pid%p.log" in text
    assert f"file={tmp_path}/L/gc.log:utctime" in text
    assert "# -XX:ErrorFile=keep/me" in text


def test_the_settings_spool_dir_is_where_an_engine_store_spools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `spool_dir` in rasid.yaml was read and then ignored: documents spooled to ./data/spool.
    from rasid.config import load_settings

    monkeypatch.delenv("RASID_SPOOL_DIR", raising=False)
    cfg = tmp_path / "rasid.yaml"
    cfg.write_text(f"spool_dir: {tmp_path / 'sp'}\n", encoding="utf-8")
    settings = load_settings(cfg, store="es://127.0.0.1:9?retries=0&timeout=1")
    st = settings.open_store()
    try:
        assert st.spool is not None  # type: ignore[attr-defined]
        assert st.spool.directory == tmp_path / "sp" / "elasticsearch-rasid"  # type: ignore[attr-defined]
    finally:
        st.close()
    monkeypatch.setenv("RASID_SPOOL_DIR", str(tmp_path / "env"))  # the environment wins
    st = settings.open_store()
    try:
        assert st.spool.directory == tmp_path / "env" / "elasticsearch-rasid"  # type: ignore[attr-defined]
    finally:
        st.close()
