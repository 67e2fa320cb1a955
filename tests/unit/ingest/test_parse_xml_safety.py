"""Hostile XML: no external entity is read, no entity bomb expands, no network is touched."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.ingest.parsers import parse_bytes
from services.ingest.parsers.xml_safety import parse_xml
from shared.errors import ParseError

SECRET = "TOP-SECRET-7f3a9c"
NITF_BODY = "<head><title>t</title></head><body><body.content><p>{ref}</p></body.content></body>"
WRAPPERS = {
    "nitf": "<nitf>" + NITF_BODY + "</nitf>",
    "newsml-g2": '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
    "<contentMeta><headline>{ref}</headline></contentMeta></newsItem>",
    "rss": "<rss version='2.0'><channel><title>c</title><item><title>{ref}</title>"
    "<description>{ref}</description></item></channel></rss>",
    "atom": "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>e</id><title>{ref}</title>"
    "</entry></feed>",
    "newsml-1": "<NewsML><NewsItem><NewsComponent><NewsLines><HeadLine>{ref}</HeadLine>"
    "</NewsLines></NewsComponent></NewsItem></NewsML>",
}


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP port that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    seen.append(conn.recv(1024) or b"<connected>")
                except OSError:
                    seen.append(b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(timeout=2)
    server.close()


def _doc(kind: str, dtd: str) -> bytes:
    root = WRAPPERS[kind].split(" ", 1)[0].split(">", 1)[0].lstrip("<")
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{dtd}]>\n{WRAPPERS[kind]}'.format(
        ref="&x;"
    ).encode()


def _all_text(data: bytes) -> str:
    try:
        items = parse_bytes(data)
    except ParseError as exc:
        return str(exc)
    return " ".join(i.article.model_dump_json() if i.article else str(i.error) for i in items)


@pytest.mark.parametrize("kind", sorted(WRAPPERS))
def test_file_entity_is_never_read(kind: str, secret_file: Path) -> None:
    data = _doc(kind, f'<!ENTITY x SYSTEM "file://{secret_file}">')
    assert SECRET not in _all_text(data)
    with pytest.raises(ParseError, match="entities"):
        parse_bytes(data)


@pytest.mark.parametrize("kind", sorted(WRAPPERS))
def test_billion_laughs_is_refused(kind: str) -> None:
    levels = ['<!ENTITY x0 "lol">'] + [
        f'<!ENTITY x{i} "{f"&x{i - 1};" * 10}">' for i in range(1, 10)
    ]
    data = _doc(kind, "".join(levels) + '<!ENTITY x "&x9;">')
    with pytest.raises(ParseError, match="entities"):
        parse_bytes(data)


@pytest.mark.parametrize("kind", sorted(WRAPPERS))
def test_no_network_for_external_dtd_or_entity(
    kind: str, listener: tuple[int, list[bytes]]
) -> None:
    port, seen = listener
    url = f"http://127.0.0.1:{port}/evil"
    root = WRAPPERS[kind].split(" ", 1)[0].split(">", 1)[0].lstrip("<")
    external_dtd = f'<?xml version="1.0"?><!DOCTYPE {root} SYSTEM "{url}.dtd">' + WRAPPERS[
        kind
    ].format(ref="plain")
    _all_text(external_dtd.encode())
    _all_text(_doc(kind, f'<!ENTITY x SYSTEM "{url}.txt">'))
    _all_text(_doc(kind, f'<!ENTITY % p SYSTEM "{url}.ent"> %p;'))
    assert seen == []
    # The listener works: a real connection is recorded (so the empty list above means something).
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"ping")
    deadline = time.monotonic() + 3
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == [b"ping"]


def test_external_dtd_reference_alone_is_harmless(secret_file: Path) -> None:
    doc = f'<!DOCTYPE nitf SYSTEM "file://{secret_file}"><nitf>{NITF_BODY}</nitf>'
    [item] = parse_bytes(doc.format(ref="safe text").encode())
    assert item.article is not None
    assert item.article.body_text == "safe text"


def test_undeclared_html_entities_become_characters() -> None:
    root = parse_xml(b"<nitf><p>caf&eacute;&nbsp;bar &amp; grill</p></nitf>")
    assert root.findtext("p") == "caf\u00e9\u00a0bar & grill"


def test_huge_nesting_is_refused_not_a_crash() -> None:
    deep = "<nitf>" + "<p>" * 5000 + "x" + "</p>" * 5000 + "</nitf>"
    with pytest.raises(ParseError):
        parse_bytes(deep.encode())
