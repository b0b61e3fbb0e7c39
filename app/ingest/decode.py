"""Page bytes -> clean text (pure). Refuses empty, whitespace-only and binary files.

UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read as such; other bytes are
detected (charset-normalizer, among the encodings these sites used). Then line by line:
mojibake repaired (ftfy, quotes and other characters left as they are), U+FFFD dropped,
NBSP and other spaces made plain, control characters removed, trailing whitespace
stripped. Each change is reported as a warning with its line number.
"""

from __future__ import annotations

import codecs
import re

import ftfy
from charset_normalizer import from_bytes

from app.ingest.types import DecodedText, PageError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x7fELF",
    b"II*\x00",
    b"MM\x00*",
    b"Rar!",
    b"7z\xbc\xaf",
    b"OggS",
    b"\xd0\xcf\x11\xe0",
)
_LEGACY = ["cp1252", "cp1251", "koi8_r"]  # what the archived sites used before UTF-8
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u2028\u2029\u00ad]")
# UTF-8 mojibake: a lead byte read as cp1252/latin-1 ("â", "Ã", "Ð") followed by a continuation
# byte read the same way ("€", "©", "—"); ftfy only looks at lines where this occurs.
_CONT = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_SUSPECT = re.compile(f"[\u00c2-\u00f4][{_CONT}]|[\u00c2\u00c3][ \u00a0]|[\u0080-\u009f]")
_SURROGATES = re.compile("[\udc80-\udcff]")  # undecodable bytes (surrogateescape)
_REPLACEMENT = re.compile("\ufffd")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_NEEDS_WORK = re.compile(f"{_SUSPECT.pattern}|[\udc80-\udcff\ufffd]|{_CONTROLS.pattern}")
_LATIN_CYRILLIC = re.compile(r"[A-Za-z\u00c0-\u024f][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z\u00c0-\u024f]")


def _binary(raw: bytes) -> bool:
    """Control bytes (other than whitespace and ESC) in more than 5% of the first 8 KB."""
    head = raw[:8192]
    ctrl = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f\v\x1b")
    return ctrl > max(3, len(head) * 0.05)


def _utf16_without_bom(raw: bytes) -> str | None:
    """ASCII-heavy UTF-16 without a BOM: NUL in every other byte."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    half = len(raw) // 2
    for enc, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros > half * 0.4 and other < half * 0.05:
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1


def _legacy(raw: bytes) -> tuple[str, str] | None:
    """Best legacy decoding; a word mixing Latin and Cyrillic letters counts against one."""
    results = [(r.chaos, r.encoding, str(r)) for r in from_bytes(raw, cp_isolation=_LEGACY)]
    if not results:
        return None
    _, enc, text = min(
        results,
        key=lambda r: (
            r[0] + 0.02 * len(_LATIN_CYRILLIC.findall(r[2])),
            _LEGACY.index(r[1]) if r[1] in _LEGACY else 9,
        ),
    )
    for other in _LEGACY[: _LEGACY.index(enc)] if enc in _LEGACY else ():
        try:  # the same text in an earlier (more likely) encoding: name that one
            if raw.decode(other) == text:
                enc = other
                break
        except UnicodeDecodeError:
            pass
    if enc == "cp1252" and not re.search(rb"[\x80-\x9f]", raw):
        enc = "latin-1"  # same characters: the bytes use no cp1252-only positions
    return text, enc


def _decode(raw: bytes) -> tuple[str, str, list[str]]:
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(f"{enc}-{'le' if bom[0] == 0xFF else 'be'}"), enc, []
            except UnicodeDecodeError as e:
                raise PageError(f"invalid {enc} text after a byte order mark: {e.reason}") from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if b"\x00" in raw and (text := _utf16_without_bom(raw)) is not None:
        return text, "utf-16", ["line 1: UTF-16 without a byte order mark"]
    if raw.startswith(_MAGIC) or b"\x00" in raw or _binary(raw):
        raise PageError("binary file, not a text page")
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as e:
        first_bad = e.start
    text = raw.decode("utf-8", errors="surrogateescape")
    bad = len(_SURROGATES.findall(text))
    good = len(_NON_ASCII.findall(text))
    if good and bad <= max(3, good // 4):  # UTF-8 with a few broken bytes: drop them
        return text, "utf-8", []
    legacy = _legacy(raw)
    if legacy is None:
        raise PageError("binary file, not a text page")
    return (
        legacy[0],
        legacy[1],
        [f"line {_line_of(raw, first_bad)}: not valid UTF-8; decoded as {legacy[1]} (detected)"],
    )


def _clean_line(n: int, line: str, warnings: list[str]) -> str:
    """Repairs for one line that needs some (see `decode_page`)."""
    line, bad = _SURROGATES.subn("", line)
    if bad:
        warnings.append(f"line {n}: dropped {bad} invalid UTF-8 byte(s)")
    if _SUSPECT.search(line):
        fixed = ftfy.fix_text(line, _FTFY)
        if fixed != line:
            line = fixed
            warnings.append(f"line {n}: repaired mojibake")
    line, bad = _REPLACEMENT.subn("", line)
    if bad:
        warnings.append(f"line {n}: dropped {bad} replacement character(s)")
    line, bad = _CONTROLS.subn("", line)
    if bad:
        warnings.append(f"line {n}: removed {bad} control character(s)")
    return line


def decode_page(raw: bytes) -> DecodedText:
    if not raw:
        raise PageError("empty file")
    text, encoding, warnings = _decode(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _NEEDS_WORK.search(text):  # most pages need none of the line repairs
        text = "\n".join(
            _clean_line(n, line, warnings) if _NEEDS_WORK.search(line) else line
            for n, line in enumerate(text.split("\n"), 1)
        )
    lines = [line.rstrip() for line in _SPACES.sub(" ", text).split("\n")]
    if not any(lines):
        raise PageError("whitespace-only file")
    return DecodedText(text="\n".join(lines), encoding=encoding, warnings=tuple(warnings))
