"""Generate a corpus of hostile pages (not committed as data: made by this script).

`python -m tests.hostile.make_pages DIR` writes them; tests call `make_pages(dir)`.
Returns which files must fail to ingest and which must ingest.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "seeds" / "002_822fe0b5f90ffc11.txt"
CLOCK = "3 December 2021\nMoscow: 07:30\nLondon: 04:30\n\nConsular queries:\n+44 (0) 203 668 7474\n\n"


def _statement(title: str, body: str) -> str:
    return f"{CLOCK}\n\n{title}\n\n{body}\n"


def make_pages(
    out: Path, *, big_mb: int = 50, lines: int = 100_000, teasers: int = 20_000
) -> dict[str, set[str]]:
    out.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    ascii_seed = (
        seed.replace("’", "'").replace("“", '"').replace("”", '"').replace("–", "-").replace("\u00a0", " ")
    )
    fail: dict[str, bytes] = {
        "empty.txt": b"",
        "whitespace.txt": b" \n\t\n   \n\n",
        "png.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4,
        "nul.txt": b"Some text\x00with NUL bytes\x00\x00 inside\n" * 20,
        "chrome-only.txt": (
            CLOCK + "1370 days have passed since the Salisbury incident - no credible "
            "information\n\nall messages\n"
        ).encode(),
    }
    ok: dict[str, bytes] = {
        "utf16-bom.txt": seed.replace("Mr Shokhin,", "Mr Shokhin (UTF-16),").encode("utf-16"),
        "latin1.txt": _statement(
            "Ambassador Andrei Kelin’s remarks at the café Müller, London, 5 May 2021".replace("’", "'"),
            "Café, naïve, über, façade — déjà vu.".replace("—", "-"),
        ).encode("latin-1"),
        "cp1251.txt": (
            ascii_seed.replace("Mr Shokhin,", "Mr Shokhin (cp1251),") + "\nВыражаем соболезнования.\n"
        ).encode("cp1251", errors="replace"),
        "mixed-eol.txt": seed.replace("Mr Shokhin,", "Mr Shokhin (eol),")
        .replace("\n\n", "\r\n\n", 10)
        .replace("\n\n", "\r\r", 3)
        .encode(),
        "many-lines.txt": _statement(
            "Foreign Ministry statement on very long pages, Moscow, May 1, 2020",
            "\n\n".join(f"Paragraph number {i} of a very long page." for i in range(lines // 2)),
        ).encode(),
        "many-teasers.txt": (
            CLOCK
            + "LATEST EVENTS\n\n"
            + "\n\n".join(
                f"{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.20{10 + i % 12} - Foreign Ministry statement number {i}\n\n"
                f"Lead paragraph of teaser {i}."
                for i in range(teasers)
            )
            + "\n\nall messages\n"
        ).encode(),
        "long-title.txt": _statement(
            "Foreign Ministry statement on " + "very " * 2000 + "long titles", "A body paragraph."
        ).encode(),
        "markup.txt": _statement(
            "Ambassador <script>alert(1)</script> Kelin’s remarks, London, 1 June 2021",
            "<img src=x onerror=alert(1)> and <b>bold</b> &amp; text.\n\n"
            "Question: <script>alert('q')</script>?\n\n"
            "Andrei <i>Kelin</i>: answer with </p><p>markup.",
        ).encode(),
        "control-chars.txt": _statement(
            "Comment by the Embassy on control characters, London, 2 June 2021",
            "Text\x07with\x1bbell\x0band escape\x7f characters.\u200b\u202e",
        ).encode(),
        "rtl-combining.txt": _statement(
            "Comment by the Embassy on scripts, London, 3 June 2021",
            "مرحبا بالعالم — שלום עולם — e\u0301te\u0301 Z\u0335\u0321a\u0334lgo.",
        ).encode(),
        "name with spaces 'quotes' \"dq\".txt": seed.replace("Mr Shokhin,", "Mr Shokhin (name),").encode(),
        "same-page-a.txt": seed.encode(),
        "same-page-b.txt": seed.encode(),
    }
    if big_mb:
        fail["huge-line.txt"] = b"word " * (big_mb * 1024 * 1024 // 5)
    for name, data in {**fail, **ok}.items():
        (out / name).write_bytes(data)
    newline_name = "new\nline.txt"
    (out / newline_name).write_bytes(seed.replace("Mr Shokhin,", "Mr Shokhin (newline),").encode())
    ok[newline_name] = b""
    loop = out / "loop"
    if not loop.is_symlink():
        loop.symlink_to(out, target_is_directory=True)
    dangling = out / "dangling.txt"
    if not dangling.is_symlink():
        dangling.symlink_to(out / "does-not-exist.txt")
    fifo = out / "fifo.txt"
    if not fifo.exists():
        os.mkfifo(fifo)
    fail["dangling.txt"] = b""
    fail["fifo.txt"] = b""
    return {"fail": set(fail), "ok": set(ok)}


if __name__ == "__main__":
    result = make_pages(Path(sys.argv[1]))
    print(f"{len(result['fail'])} pages that must fail, {len(result['ok'])} that must ingest")
