"""A hostile corpus, generated at test time: every kind of bad file plus XSS-laden real reports.

:func:`build_corpus` writes it and returns a manifest of every input geomap must report (file,
JSONL line or CSV row label -> expected status ``ok`` or ``failed``), so tests can account for
each one. Nothing big is committed: the 200 MB files are sparse and made in ``tmp_path``.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

#: Strings that must reach the output data unchanged (escaping is the map's job).
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "{{7*7}}",
    "${7*7}",
    '"><svg/onload=alert(1)>',
    "\u202eevil\u202c",
    "zero\u200bwidth\u200djoiner",
)
JS_URL = "javascript:alert(1)"
MAX_BYTES = 1_000_000
HUGE = 200_000_000
PLACES = ("Homs", "Hama", "Aleppo", "Idlib", "Daraa", "Douma", "Raqqa", "Deir ez-Zor", "Latakia",
          "Tartus", "Palmyra", "Azaz", "Qusayr", "Rastan", "Talbiseh", "Saraqeb", "Binnish", "Manbij",
          "Zabadani", "Madaya", "Houla", "Jisr al-Shughour", "Maarat al-Numan", "Kafr Nabl")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def casualty(n: int) -> str:
    """Return a distinct real casualty sentence (place, toll and date vary with ``n``)."""
    place = PLACES[n % len(PLACES)]
    return (f"Shelling killed {n % 40 + 2} people in {place} on {n % 27 + 1} "
            f"{MONTHS[n % 12]} {2011 + n % 5}.")


#: Inputs whose expected status is held up by a known bug elsewhere: label suffix -> bug.
KNOWN_BUGS = {
    "hostile/bignum.txt": "geomap/quantities.py int() on a number of over 4,300 digits raises "
                          "ValueError, so the pipeline fails the whole report",
}


@dataclass
class Manifest:
    """What a corpus holds: every input label and its expected status."""

    root: Path
    expected: dict[str, str] = field(default_factory=dict)
    #: labels of reports whose text carries a payload inside the casualty sentence
    payload_docs: dict[str, str] = field(default_factory=dict)
    extra_inputs: list[str] = field(default_factory=list)

    def add(self, label: Path | str, status: str) -> None:
        """Record one input (``ok`` or ``failed``)."""
        assert status in ("ok", "failed")
        assert str(label) not in self.expected, label
        self.expected[str(label)] = status

    @property
    def inputs(self) -> list[str]:
        """The command-line inputs: the corpus folder and the extra paths."""
        return [str(self.root), *self.extra_inputs]


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _sparse(path: Path, size: int = HUGE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _jsonl(path: Path, m: Manifest, lines: list[tuple[str, str | None]]) -> None:
    """Write JSONL ``(line, status)`` pairs; status None for a blank line (not an input)."""
    _write(path, "\n".join(line for line, _ in lines) + "\n")
    for n, (line, status) in enumerate(lines, start=1):
        if status is None:
            continue
        rid = None
        if status == "ok":
            rid = json.loads(line).get("id")
        m.add(f"{path}:{n}#{rid}" if rid else f"{path}:{n}", status)


def build_corpus(root: Path) -> Manifest:
    """Write the hostile corpus under ``root``; return its manifest."""
    m = Manifest(root)
    k = iter(range(1000))

    # --- encodings: all readable
    for name, data in {
        "utf8.txt": casualty(next(k)).encode("utf-8") + " في حمص".encode(),
        "utf8_bom.txt": codecs.BOM_UTF8 + casualty(next(k)).encode("utf-8"),
        "utf16le_bom.txt": codecs.BOM_UTF16_LE + casualty(next(k)).encode("utf-16-le"),
        "utf16be_bom.txt": codecs.BOM_UTF16_BE + casualty(next(k)).encode("utf-16-be"),
        "utf16le.txt": casualty(next(k)).encode("utf-16-le"),
        "utf16be.txt": casualty(next(k)).encode("utf-16-be"),
        "cp1252.txt": (casualty(next(k)) + " “Café” – witnesses").encode("cp1252"),
        "latin1.md": (casualty(next(k)) + " Le café était fermé.").encode("latin-1"),
    }.items():
        m.add(_write(root / "enc" / name, data), "ok")

    # --- HTML
    page = (f"<!doctype html><html><head><title>{PAYLOADS[0]}</title><style>p{{color:red}}</style>"
            "<script>var STOLEN = document.cookie;</script></head><body><nav>NAV MENU</nav>"
            f"<article><p>{casualty(next(k))}</p><p>Witnesses quoted &lt;script&gt;alert(1)&lt;/script&gt;.</p>"
            "<script>alert('inline')</script></article><footer>FOOTER</footer></body></html>")
    m.add(_write(root / "html" / "page.html", page), "ok")
    m.add(_write(root / "html" / "empty.htm", "<html><script>alert(1)</script></html>"), "failed")

    # --- binary, empty, huge
    rnd = random.Random(1234)
    m.add(_write(root / "bin" / "png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rnd.randbytes(200)), "failed")
    m.add(_write(root / "bin" / "image.png", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(50)), "failed")
    m.add(_write(root / "bin" / "random.txt", rnd.randbytes(10_000)), "failed")
    m.add(_write(root / "bin" / "nul.txt", bytes(4096)), "failed")
    m.add(_write(root / "bin" / "empty.txt", b""), "failed")
    m.add(_write(root / "bin" / "blank.md", b" \n\t\r\n   "), "failed")
    m.add(_write(root / "bin" / "bom_only.txt", codecs.BOM_UTF8), "failed")
    for name in ("huge.txt", "huge.html", "huge.jsonl", "huge.csv"):
        m.add(_sparse(root / "bin" / name), "failed")
    big_text = root / "bin" / "big_text.txt"  # real text over the limit, not sparse
    m.add(_write(big_text, (casualty(next(k)) + " ") * (MAX_BYTES // 40)), "failed")

    # --- JSON Lines: bad lines among good ones
    bad = root / "jsonl" / "bad.jsonl"
    _jsonl(bad, m, [
        (json.dumps({"text": casualty(next(k)), "id": "a1"}), "ok"),
        ('{"text": "unterminated', "failed"),
        ("", None),
        ("[1, 2, 3]", "failed"),
        ('"a string"', "failed"),
        ("null", "failed"),
        (json.dumps({"title": "no text", "date": "2012-03-03"}), "failed"),
        (json.dumps({"text": ""}), "failed"),
        ("[" * 50_000, "failed"),
        ("9" * 5000, "failed"),
        (json.dumps({"text": "x" * (MAX_BYTES + 10)}), "failed"),
        ("   ", None),
        (json.dumps({"body": f"<div><p>{casualty(next(k))}</p><script>alert(1)</script></div>"}), "ok"),
        ("\x00\x01\x02", "failed"),
        (json.dumps({"text": casualty(next(k))}), "ok"),
    ])

    # --- hostile reports that are also real reports
    hostile = root / "hostile"
    for i, payload in enumerate(PAYLOADS):
        sentence = casualty(next(k))
        text = f"{sentence[:-1]}, witnesses said {payload}.\n\n{payload}\n"
        p = _write(hostile / f"payload_{i}.txt", text)
        m.add(p, "ok")
        m.payload_docs[str(p)] = payload
    long_line = _write(hostile / "long_line.txt", casualty(next(k)) + " " + "word " * 150_000)
    m.add(long_line, "ok")
    caps = " ".join(f"Word{i}" if i % 2 else f"Name{i}x" for i in range(10_000))
    m.add(_write(hostile / "caps.txt", f"{caps}. {casualty(next(k))} {caps}."), "ok")
    m.add(_write(hostile / "bignum.txt", f"Reports said {'9' * 5000} killed. {casualty(next(k))}"), "ok")
    m.add(_write(hostile / "mixed_scripts.txt", f"{casualty(next(k))} حمص \u202e\u200b\ufeff"), "ok")
    hj = hostile / "hostile.jsonl"
    hostile_lines = [
        (json.dumps({"text": casualty(next(k)), "url": JS_URL, "title": PAYLOADS[2],
                     "source": PAYLOADS[3], "id": "x1"}), "ok"),
        (json.dumps({"text": f"{casualty(next(k))} \ud800 lone", "title": "\udfff", "id": "x2"}), "ok"),
        (json.dumps({"text": f"{casualty(next(k))} </script>", "url": "data:text/html,<script>alert(1)</script>",
                     "id": "x3"}), "ok"),
        (json.dumps({"text": casualty(next(k)), "date": "{{7*7}}", "id": "x4"}), "ok"),
        (json.dumps({"text": casualty(next(k)), "date": 20120303, "title": ["not", "a", "string"],
                     "id": "x5"}), "ok"),
    ]
    _jsonl(hj, m, hostile_lines)

    # --- gzip
    gz_lines = [json.dumps({"text": casualty(next(k))}) for _ in range(3)]
    feed = _write(root / "gz" / "feed.jsonl.gz", gzip.compress(("\n".join(gz_lines) + "\n").encode()))
    for n in range(1, 4):
        m.add(f"{feed}:{n}", "ok")
    many = "".join(json.dumps({"text": casualty(i), "n": rnd.randbytes(60).hex()}) + "\n" for i in range(400)).encode()
    cut_bytes = gzip.compress(many)
    cut_bytes = cut_bytes[: len(cut_bytes) // 2]
    cut = _write(root / "gz" / "cut.jsonl.gz", cut_bytes)
    available = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut_bytes)
    for n in range(1, available.count(b"\n") + 1):
        m.add(f"{cut}:{n}", "ok")
    m.add(cut, "failed")
    m.add(_write(root / "gz" / "fake.jsonl.gz", json.dumps({"text": casualty(next(k))}) + "\n"), "failed")

    # --- CSV
    odd = root / "csv" / "odd.csv"
    long_field = "y" * (MAX_BYTES + 5)
    _write(odd, (
        "\ufeffid,Text,title,url\r\n"  # line 1
        f'c1,"{casualty(next(k))}\nSecond line, ""quoted""",{PAYLOADS[1]},{JS_URL}\r\n'  # lines 2-3
        "c2,,empty,\r\n"  # line 4
        f'c3,"{long_field}",long,\r\n'  # line 5
        "\r\n"  # line 6, blank
        f"c4,{casualty(next(k))}\r\n"  # line 7, short row
        f"c5,{casualty(next(k))},t,u,extra,fields\r\n"  # line 8, long row
    ))
    for label, status in ((f"{odd}:2#c1", "ok"), (f"{odd}:4", "failed"), (f"{odd}:5", "failed"),
                          (f"{odd}:7#c4", "ok"), (f"{odd}:8#c5", "ok")):
        m.add(label, status)
    m.add(_write(root / "csv" / "notext.csv", "id,headline\n1,Homs\n"), "failed")
    m.add(_write(root / "csv" / "header_only.csv", "id,text\n"), "failed")
    m.add(_write(root / "csv" / "empty.csv", b""), "failed")
    cp = _write(root / "csv" / "cp1252.csv", b"text,source\n" + (casualty(next(k)) + " caf\xe9").encode("latin-1")
                + b",Agence \x93AFP\x94\n")
    m.add(f"{cp}:2", "ok")

    # --- links, special files, unsupported types
    links = root / "links"
    links.mkdir()
    (links / "parent").symlink_to("..", target_is_directory=True)
    m.add(links / "parent", "failed")
    (links / "broken.txt").symlink_to(root / "does-not-exist.txt")
    m.add(links / "broken.txt", "failed")
    (links / "self.txt").symlink_to("self.txt")
    m.add(links / "self.txt", "failed")
    (links / "to_file.txt").symlink_to(root / "enc" / "utf8.txt")
    m.add(links / "to_file.txt", "ok")
    other = root / "other"
    m.add(_write(other / "notes.docx", b"PK\x03\x04junk"), "failed")
    m.add(_write(other / "Makefile", "all:\n"), "failed")
    os.mkfifo(other / "fifo.txt")
    m.add(other / "fifo.txt", "failed")
    _write(root / "README.md", "corpus documentation, skipped on purpose")
    _write(root / ".hidden.txt", "hidden, skipped on purpose")
    locked = _write(other / "unreadable.txt", casualty(next(k)))
    locked.chmod(0)
    m.add(locked, "ok" if os.geteuid() == 0 else "failed")

    # --- inputs beside the folder
    missing = str(root.parent / "no-such-folder")
    m.extra_inputs.append(missing)
    m.add(missing, "failed")
    return m
