"""The deploy kit's nginx site (``scripts/deploy/nginx/lookup.conf``) in front of ``lookup serve``,
as a county runs them: Debian's nginx with a self-signed certificate, gunicorn on
loopback with ``LOOKUP_TRUSTED_PROXIES=1``. Only the server name, the certificate paths,
the ports and the upstream are replaced; every other line is the kit's.

Clients are told apart by their loopback source address (127.0.0.1, 127.0.0.2...): each
test uses addresses of its own, so the budgets of one do not run into another's."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from support.asserts import assert_error_shape
from support.cases import ADDRESS, BEFORE
from support.paths import ROOT
from support.servers import SERVER_LOGS, Server

from scripts.harness import free_port

pytestmark = [
    pytest.mark.http,
    pytest.mark.skipif(
        shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin") is None,
        reason="Debian's nginx is not installed (scripts/setup.sh --test installs it)",
    ),
]
SITE = ROOT / "scripts" / "deploy" / "nginx" / "lookup.conf"
NAME = "localhost"  # the certificate's name and the rendered server_name
BUDGET = 5  # LOOKUP_RATE_LIMIT below
LOOKUP = {"address": ADDRESS, "date": BEFORE}


@dataclass(frozen=True)
class Proxy:
    https: str  # https://localhost:PORT
    http: str  # http://localhost:PORT
    cert: Path


def render(
    https_port: int, http_port: int, app_port: int, cert: Path, key: Path, error_log: Path
) -> str:
    """The kit's site with this test's values: each replaced text must be in the kit."""
    text = SITE.read_text()
    for old, new in (
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("https://lookup.example.gov$request_uri", f"https://{NAME}:{https_port}$request_uri"),
        ("lookup.example.gov", NAME),
        ("/etc/ssl/lookup/fullchain.pem", str(cert)),
        ("/etc/ssl/lookup/privkey.pem", str(key)),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/var/log/nginx/lookup-error.log", str(error_log)),
    ):
        assert old in text, f"{SITE} no longer holds {old!r}: update this test's rendering"
        text = text.replace(old, new)
    return text


def main_conf(tmp: Path, site: Path) -> str:
    """nginx.conf around the site, as Debian's includes sites-enabled, with every path
    nginx writes to in ``tmp`` (it runs as this user, not as a system service)."""
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would switch to "nobody", who cannot enter pytest's tmp.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n{temps}\n    include {site};\n}}\n"
    )


def wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}: {log.read_text()}")
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx not listening after 15 s: {log.read_text()}")


@pytest.fixture(scope="module")
def proxy(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    tmp = tmp_path_factory.mktemp("nginx")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={NAME}", "-keyout", str(key), "-out", str(cert),
         "-addext", f"subjectAltName=DNS:{NAME}"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    app = Server(
        demo_dir,
        tmp / "app.log",
        workers=1,  # one worker: one exact in-memory budget per client
        env={
            "LOOKUP_TRUSTED_PROXIES": "1",
            "LOOKUP_RATE_LIMIT": f"{BUDGET} per minute",
            "LOOKUP_RATE_LIMIT_EXEMPT": "",  # Server exempts loopback by default
        },
    )
    try:
        https_port, http_port = free_port(), free_port()
        site = tmp / "lookup.conf"
        # nginx's logs join the session's check that no log holds resident data.
        log, site_log = tmp / "nginx-error.log", tmp / "site-error.log"
        SERVER_LOGS.extend((log, site_log))
        site.write_text(render(https_port, http_port, app.port, cert, key, site_log))
        conf = tmp / "nginx.conf"
        conf.write_text(main_conf(tmp, site))
        globals_ = f"daemon off; pid {tmp / 'nginx.pid'}; error_log {log} warn;"
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run(
            [nginx, "-t", "-p", str(tmp), "-c", str(conf), "-g", globals_],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert test.returncode == 0, test.stderr
        proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf), "-g", globals_])
        try:
            wait_for(http_port, proc, log)
            yield Proxy(f"https://{NAME}:{https_port}", f"http://{NAME}:{http_port}", cert)
        finally:
            proc.terminate()  # SIGTERM: nginx's fast shutdown
            proc.wait(timeout=15)
    finally:
        app.stop()
    # The kit's own warnings (a deprecated directive...) would show here.
    assert "[warn]" not in log.read_text() and "[emerg]" not in log.read_text()


class FromAddress(HTTPAdapter):
    """Connections made from one loopback source address: one client as nginx sees it."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def client(proxy: Proxy, source: str) -> requests.Session:
    s = requests.Session()
    s.verify = str(proxy.cert)
    s.trust_env = False  # no proxy from the environment: loopback only
    s.mount("https://", FromAddress(source))
    s.mount("http://", FromAddress(source))
    return s


def test_a_look_up_is_answered_over_https(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.10") as s:
        r = s.get(f"{proxy.https}/api/v1/lookup", params=LOOKUP, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["polling_place"]["name"]
        # The app's security headers, each once (nginx adds none of its own).
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Content-Security-Policy"].count("default-src") == 1
        ready = s.get(f"{proxy.https}/readyz", timeout=10)
        assert ready.status_code == 200


def test_plain_http_redirects_to_the_configured_name_whatever_the_host(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.11") as s:
        r = s.get(
            f"{proxy.http}/api/v1/lookup?date={BEFORE}",
            headers={"Host": "evil.example"},
            allow_redirects=False,
            timeout=10,
        )
        assert r.status_code == 301
        assert r.headers["Location"] == f"{proxy.https}/api/v1/lookup?date={BEFORE}"
        assert r.headers.get("Server") == "nginx"  # no version, on plain HTTP too
        # Through the proxy too, a redirect the app makes never names the client's Host.
        r = s.get(
            f"{proxy.https}//api/v1//elections",
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
            allow_redirects=False,
            timeout=10,
        )
        assert "evil.example" not in r.headers.get("Location", ""), r.headers


def test_json_and_scripts_are_compressed_only_when_asked(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.12") as s:
        for path, params in (("/api/v1/lookup", LOOKUP), ("/static/widget.js", {})):
            raw = s.get(
                proxy.https + path,
                params=params,
                headers={"Accept-Encoding": "gzip"},
                stream=True,
                timeout=10,
            )
            assert raw.status_code == 200
            assert raw.headers["Content-Encoding"] == "gzip", path
            assert "Accept-Encoding" in raw.headers["Vary"]
            assert gzip.decompress(raw.raw.read(decode_content=False))  # really gzip
            plain = s.get(
                proxy.https + path,
                params=params,
                headers={"Accept-Encoding": "identity"},
                timeout=10,
            )
            assert plain.status_code == 200
            assert "Content-Encoding" not in plain.headers, path


def test_static_files_are_cached_for_a_day_with_their_headers_once(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.13") as s:
        r = s.get(f"{proxy.https}/static/site.css", timeout=10)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "public, max-age=86400"
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_forged_forwarded_for_does_not_buy_a_new_budget(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.2") as s:
        statuses = [
            s.get(
                f"{proxy.https}/api/v1/lookup",
                params=LOOKUP,
                headers={"X-Forwarded-For": f"1.2.3.{k}"},  # a new "client" each time
                timeout=10,
            ).status_code
            for k in range(BUDGET + 1)
        ]
        assert statuses == [200] * BUDGET + [429]
        forged = s.get(
            f"{proxy.https}/api/v1/lookup",
            params=LOOKUP,
            headers={"X-Forwarded-For": "8.8.8.8, 9.9.9.9"},
            timeout=10,
        )
        assert_error_shape(forged, 429, "rate_limited")
        # Health probes are never limited.
        assert s.get(f"{proxy.https}/readyz", timeout=10).status_code == 200
    # Another real client (another source address) has its own budget.
    with client(proxy, "127.0.0.3") as other:
        r = other.get(f"{proxy.https}/api/v1/lookup", params=LOOKUP, timeout=10)
        assert r.status_code == 200


def test_cors_capable_answers_vary_by_origin(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.14") as s:
        for origin in (None, "https://not-configured.example"):
            headers = {"Origin": origin} if origin else {}
            r = s.get(f"{proxy.https}/api/v1/strings", headers=headers, timeout=10)
            assert r.status_code == 200
            assert "public" in r.headers["Cache-Control"]  # a shared cache may keep it...
            vary = {v.strip().lower() for v in r.headers["Vary"].split(",")}
            assert "origin" in vary, r.headers  # ...apart for each origin
            assert "Access-Control-Allow-Origin" not in r.headers


def test_slightly_too_long_or_large_requests_get_the_apps_json_error(proxy: Proxy) -> None:
    with client(proxy, "127.0.0.15") as s:
        # Over the app's 4 KB query limit, well within nginx's buffers.
        r = s.get(f"{proxy.https}/api/v1/lookup", params={**LOOKUP, "pad": "x" * 6000}, timeout=10)
        assert r.status_code == 400 and r.json()["ok"] is False, r.text
        assert_error_shape(r, 400, r.json()["error"]["code"])
        # Over gunicorn's 8 KB request line, within nginx's 16 KB: the server's own JSON.
        r = s.get(
            f"{proxy.https}/api/v1/lookup", params={**LOOKUP, "pad": "x" * 10_000}, timeout=10
        )
        assert r.status_code in (400, 414) and r.json()["ok"] is False, r.text
        assert_error_shape(r, r.status_code, r.json()["error"]["code"])
        # Over the app's 16 KB body limit, within nginx's.
        r = s.post(
            f"{proxy.https}/api/v1/reports",
            data=b"{" + b" " * 17_000 + b"}",
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert_error_shape(r, 413, "payload_too_large")
