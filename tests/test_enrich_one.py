"""`rasid enrich` on odd input: encodings, names, empty and binary files, URLs that fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from rasid.cli import main
from rasid.config import load_settings
from rasid.enrich_one import EnrichError, enrich_path_or_url

TITLE = "اشتباكات في طرابلس"
TEXT = f"{TITLE}\nقال المتحدث باسم الحكومة الليبية في طرابلس إن الوضع مستقر.\n"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no config/rasid.yaml: the defaults
    return load_settings()


@pytest.mark.parametrize("codec", ["utf-8", "windows-1256", "utf-16", "utf-16-le"])
def test_text_file_in_any_common_encoding(codec: str, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "a.txt"
    f.write_bytes(TEXT.encode(codec))
    art = enrich_path_or_url(str(f), settings)
    assert art.title == TITLE and art.lang == "ar" and art.extraction == "text-file"
    assert any(p.name == "طرابلس" for p in art.places)


@pytest.mark.parametrize("name", ["seed.md", "noext", "notes.text"])
def test_plain_text_is_text_whatever_its_name(name: str, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / name
    f.write_text(TEXT, encoding="utf-8")
    art = enrich_path_or_url(str(f), settings)
    assert art.title == TITLE and art.extraction == "text-file" and art.places


def test_html_without_extension_is_still_html(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    body = "<p>" + "قال المتحدث باسم الحكومة في طرابلس إن الوضع مستقر. " * 8 + "</p>"
    f = tmp_path / "page"
    f.write_text(f"<html><head><title>{TITLE}</title></head><body>{body}</body></html>")
    art = enrich_path_or_url(str(f), settings)
    assert art.extraction != "text-file" and "طرابلس" in art.body


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\n ", "is empty"),
        ("   \n".encode("utf-16"), "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary data"),
        (b"<html><body><script>x()</script></body></html>", "no text found"),
    ],
)
def test_empty_binary_or_textless_input_is_an_error(
    content: bytes, message: str, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    for name in ("f.txt", "f.html", "f"):
        if message == "no text found" and name == "f.txt":
            continue  # markup in a .txt file is text
        (tmp_path / name).write_bytes(content)
        with pytest.raises(EnrichError, match=message):
            enrich_path_or_url(str(tmp_path / name), settings)


def test_directory_missing_file_and_size_cap(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EnrichError, match="is a directory"):
        enrich_path_or_url(str(tmp_path), settings)
    with pytest.raises(EnrichError, match="no such file"):
        enrich_path_or_url(str(tmp_path / "nope.txt"), settings)
    big = tmp_path / "big.txt"
    big.write_text(TEXT * 100, encoding="utf-8")
    settings.http.max_bytes = 5000
    with pytest.raises(EnrichError, match=r"larger than 5 kB.*http.max_bytes"):
        enrich_path_or_url(str(big), settings)


def test_url_failures_are_one_line(
    loopback_server, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    url = loopback_server.base_url + "/missing"
    with pytest.raises(EnrichError, match="RASID_ALLOW_PRIVATE_NETWORKS=1") as exc:
        enrich_path_or_url(url, settings)
    assert "refused: private address 127.0.0.1" in str(exc.value)
    settings.allow_private_networks = True
    with pytest.raises(EnrichError, match=f"cannot fetch {url}: HTTP 404$"):
        enrich_path_or_url(url, settings)


def test_cli_prints_the_reason_and_exits_1(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    for target, message in ((str(tmp_path), "is a directory"), ("empty.txt", "empty.txt is empty")):
        assert main(["enrich", target]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and "rasid enrich: " in captured.err and message in captured.err
        assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Clashes in Tripoli\nThe spokesman of the Government of National Accord said on"
            " Monday that the situation in the capital was stable.\n",
            "en",
        ),
        (
            "Affrontements à Tripoli\nLe porte-parole du gouvernement a déclaré lundi que la"
            " situation dans la capitale était stable.\n",
            "fr",
        ),
    ],
)
def test_non_arabic_text_is_not_enriched(
    text: str, lang: str, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The Arabic tagger used to turn whole English sentences into organisations.
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    assert main(["enrich", "a.txt", "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["lang"] == lang and doc["title"] == text.splitlines()[0]
    assert doc["body"] == text.splitlines()[1]
    assert doc["entities"] == doc["places"] == doc["claims"] == []
    assert "enrichment is for Arabic text" in captured.err
    assert main(["enrich", "a.txt"]) == 0
    assert "enrichment is for Arabic text" in capsys.readouterr().err
    (tmp_path / "ar.txt").write_text(TEXT, encoding="utf-8")
    assert main(["enrich", "ar.txt", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["places"] and "Arabic" not in captured.err
