"""Page bytes -> text: encodings, refusals, and the line repairs with their warnings."""

from __future__ import annotations

import codecs

import pytest

from app.ingest.decode import decode_page
from app.ingest.types import PageError


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "empty file"),
        (b" \n\t\r\n  ", "whitespace-only file"),
        ("\u00a0\n\u00a0 \n".encode(), "whitespace-only file"),
        (codecs.BOM_UTF8, "whitespace-only file"),
        (b"Title\x00\x00\x01body", "binary file, not a text page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not a text page"),
        (b"%PDF-1.7\n1 0 obj", "binary file, not a text page"),
        (bytes(range(256)) * 4, "binary file, not a text page"),
    ],
)
def test_refused(raw, message):
    with pytest.raises(PageError) as e:
        decode_page(raw)
    assert e.value.message == message


def test_utf8_with_and_without_bom():
    plain = decode_page("Lavrov’s “remarks” – Moscow\n".encode())
    assert (plain.text, plain.encoding, plain.warnings) == ("Lavrov’s “remarks” – Moscow\n", "utf-8", ())
    assert decode_page(codecs.BOM_UTF8 + b"Title\nBody").text == "Title\nBody"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    d = decode_page(bom + "Заявление – “Title”\r\nBody".encode(codec))
    assert (d.text, d.encoding) == ("Заявление – “Title”\nBody", "utf-16")


def test_utf16_without_bom_is_read_with_a_warning():
    d = decode_page("Title of the page\nBody text here.".encode("utf-16-le"))
    assert d.text == "Title of the page\nBody text here." and d.warnings == (
        "line 1: UTF-16 without a byte order mark",
    )


def test_cp1251_is_detected_and_named():
    text = "Заявление МИД России\n\nМосква, 8 января 2022 года. Текст заявления о ситуации."
    d = decode_page(text.encode("cp1251"))
    assert (d.text, d.encoding) == (text, "cp1251")
    assert d.warnings == ("line 1: not valid UTF-8; decoded as cp1251 (detected)",)


def test_latin1_is_detected_and_named():
    text = "Title\n\nDéclaration du ministère. Le café est très bon à Genève."
    d = decode_page(text.encode("latin-1"))
    assert (d.text, d.encoding) == (text, "latin-1")
    assert d.warnings == ("line 3: not valid UTF-8; decoded as latin-1 (detected)",)


def test_cp1252_punctuation_is_detected():
    text = "Lavrov’s remarks – “quoted”\n\nText."
    d = decode_page(text.encode("cp1252"))
    assert (d.text, d.encoding) == (text, "cp1252")


def test_mostly_utf8_with_invalid_bytes_drops_them():
    raw = "Lavrov’s remarks\nSecond line – ok ".encode() + b"\xff\xfe" + b"\nThird"
    d = decode_page(raw)
    assert (d.text, d.encoding) == ("Lavrov’s remarks\nSecond line – ok\nThird", "utf-8")
    assert d.warnings == ("line 2: dropped 2 invalid UTF-8 byte(s)",)


def test_replacement_characters_are_dropped_with_a_warning():
    d = decode_page("Title\n323 days have passed\ufffd\ufffd\ufffd  \nBody\ufffd".encode())
    assert d.text == "Title\n323 days have passed\nBody"
    assert d.warnings == (
        "line 2: dropped 3 replacement character(s)",
        "line 3: dropped 1 replacement character(s)",
    )


def test_mojibake_is_repaired_per_line():
    d = decode_page("Title\nLavrovâ€™s remarks\nÐ\xa0Ð¾Ñ\x81Ñ\x81Ð¸Ñ\x8f\nÂ£100".encode())
    assert d.text == "Title\nLavrov’s remarks\nРоссия\n£100"
    assert d.warnings == (
        "line 2: repaired mojibake",
        "line 3: repaired mojibake",
        "line 4: repaired mojibake",
    )


def test_faithful_text_is_left_alone():
    text = "It’s “fine” — naïve résumé, café, «Москва», ﬁ ligature, ＦＵＬＬ width, &amp; entity"
    assert decode_page(text.encode()).text == text


def test_line_endings_spaces_and_controls():
    d = decode_page(b"one\r\ntwo\rthree\nfour\xc2\xa0five\xe2\x80\xaf six\t\x07bell\xe2\x80\x8b   \n")
    assert d.text == "one\ntwo\nthree\nfour five  six\tbell\n"
    assert d.warnings == ("line 4: removed 2 control character(s)",)


def test_line_numbers_survive_crlf():
    d = decode_page(b"a\r\nb\r\nLavrov\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s\r\n")
    assert d.warnings == ("line 3: repaired mojibake",)
