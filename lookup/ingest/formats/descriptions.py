"""The HTML of a KML placemark's description as text: its bold lines, ``<address>``
lines, tables, top-level text and links. NCSBE's 2018 layers keep every attribute there
(``kml``), and its one-stop JSON writes a site's hours as such a table (``site_json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Description:
    """What a KML description's HTML says, as text."""

    bold: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # top-level text lines
    links: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.d = Description()
        self._in: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag == "table":
            self.d.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = []
        elif tag == "a":
            self.d.links += [v for k, v in attrs if k == "href" and v]
        elif tag == "address":
            self.d.address.append("")
        elif tag == "br":
            self._in.pop()  # a void element
            if "address" in self._in:
                self.d.address.append("")
            elif "table" not in self._in:
                self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.d.tables:
            self.d.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if "b" in self._in:
            self.d.bold.append(" ".join(data.split()))
        if "address" in self._in:
            self.d.address[-1] += data
        elif "table" not in self._in and "b" not in self._in:
            self._buf.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._buf).split())
        if line:
            self.d.text.append(line)
        self._buf = []

    def close(self) -> None:
        super().close()
        self._flush()


def parse_description(html: str) -> Description:
    p = _Parser()
    p.feed(html or "")
    p.close()
    p.d.address = [" ".join(a.split()) for a in p.d.address if a.strip()]
    p.d.bold = [b for b in p.d.bold if b]
    return p.d
