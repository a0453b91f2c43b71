"""Production serving: /healthz, the security headers (Content-Security-Policy with nonces,
Permissions-Policy), idle BPKAD sessions, the JSON log lines, WhiteNoise's compressed static
files, the vendored plotly.js bundle, and gunicorn started the way `make serve` starts it."""

import hashlib
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import plotly
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from budget import workflow
from budget.importing import ImportRefused, read_table
from budget.importing.realisasi import import_realisasi
from budget.roles import actor_for
from dashboard.middleware import IDLE_LIMIT_KEY, LAST_SEEN_KEY
from tests.factories import DpaLineFactory
from tests.helpers import ImportFiles

ROOT = Path(__file__).resolve().parent.parent
PLOTLY_BUNDLE = ROOT / "static" / "vendor" / "plotly" / "plotly-basic.min.js"
PLOTLY_SHA256 = "99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba"
TEMPLATES = ROOT / "templates"


# --- /healthz --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_without_a_login_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "dashboard.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "connection refused" not in response.content.decode()  # the reason is logged only


# --- Content-Security-Policy and Permissions-Policy -------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def _inline_scripts(html: str) -> list[str]:
    """The opening tags of the page's inline scripts (JSON data blocks left out: not run)."""
    return [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if "src=" not in tag and "application/json" not in tag
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["overview", "opd", "ranking", "entry", "import"])
def test_every_inline_script_carries_the_nonce_of_the_policy(client, bpkad, treasurer_opd, page):
    DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=2024)
    client.force_login(bpkad)
    url = {
        "overview": "/?tahun=2024&triwulan=2",
        "opd": f"/opd/{treasurer_opd.kode}/?tahun=2024&triwulan=2",
        "ranking": "/peringkat/?tahun=2024&triwulan=2",
        "entry": f"/opd/{treasurer_opd.kode}/realisasi/2024/2/",
        "import": "/impor/",
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    policy = _csp(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    nonces = {v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")}
    for tag in _inline_scripts(html):
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert nonce, tag
        assert nonce.group(1) in nonces, tag
    if page != "import":
        assert _inline_scripts(html), "the page has its inline script"


def test_no_template_has_an_inline_event_handler():
    """onclick="..." and the like never run under the policy: pages use data attributes
    (static/js/page.js) instead."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in re.finditer(r"\son[a-z]+\s*=", path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.django_db
def test_the_swagger_ui_page_runs_no_inline_script(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _inline_scripts(html) == []
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script, "the start-up script is a file of its own"
    init = client.get(script.group(1).replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


@pytest.mark.django_db
def test_every_answer_forbids_the_camera_microphone_and_location(client):
    for url in ("/accounts/login/", "/healthz"):
        header = client.get(url)["Permissions-Policy"]
        features = dict(part.strip().split("=", 1) for part in header.split(","))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", (url, feature)


# --- idle BPKAD sessions ---------------------------------------------------------------------


def _idle(client, minutes: int) -> None:
    """Move the session's last request `minutes` into the past, as if nobody had clicked."""
    session = client.session
    if LAST_SEEN_KEY in session:
        session[LAST_SEEN_KEY] = session[LAST_SEEN_KEY] - minutes * 60
    session.save()


@pytest.mark.django_db
def test_an_idle_bpkad_session_is_signed_out(client, bpkad, settings):
    settings.SERAPAN_BPKAD_IDLE_MINUTES = 30
    client.force_login(bpkad)
    assert client.session[IDLE_LIMIT_KEY] == 30 * 60
    assert client.get("/impor/").status_code == 200
    _idle(client, 31)
    response = client.get("/impor/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get("/impor/").status_code == 302  # still signed out


@pytest.mark.django_db
def test_a_bpkad_session_in_use_stays_signed_in(client, bpkad, settings):
    settings.SERAPAN_BPKAD_IDLE_MINUTES = 30
    client.force_login(bpkad)
    for _ in range(3):  # 3 x 20 minutes, never 30 without a request
        _idle(client, 20)
        assert client.get("/impor/").status_code == 200


@pytest.mark.django_db
def test_an_idle_treasurer_session_is_not_signed_out(client, treasurer, treasurer_opd, settings):
    settings.SERAPAN_BPKAD_IDLE_MINUTES = 30
    client.force_login(treasurer)
    assert IDLE_LIMIT_KEY not in client.session
    _idle(client, 4 * 60)
    assert client.get(f"/opd/{treasurer_opd.kode}/").status_code == 200


# --- logging ---------------------------------------------------------------------------------


@contextmanager
def log_output():
    """What the configured stderr handler writes (formatter and filter as in production)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.get_name() == "stderr"
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines())


@pytest.mark.django_db
def test_a_workflow_step_writes_one_json_line_with_who_and_what(treasurer, treasurer_opd):
    line = DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=2024)
    actor = actor_for(treasurer)
    common = {"actor": actor, "opd": treasurer_opd, "tahun": 2024, "triwulan": 1}
    with log_output() as lines:
        saved = workflow.realisasi_save(
            **common, amounts={line.pk: line.kas_tw1}, version=0, kendala=[]
        )
        workflow.report_submit(**common, version=saved.version)
    records = [r for r in lines if r["logger"] == "serapan.workflow"]
    who_what = {
        "user": "bendahara_ini",
        "region_id": treasurer_opd.region_id,
        "opd": treasurer_opd.kode,
        "tahun": 2024,
        "triwulan": 1,
    }
    assert records[0] == records[0] | who_what | {"action": "realisasi_write", "level": "INFO"}
    assert records[0]["figures_created"] == 1
    assert records[1] == records[1] | who_what | {"action": "submit", "status": "diajukan"}
    assert records[1]["time"].endswith("+00:00")


@pytest.mark.django_db
def test_a_refused_workflow_step_is_logged_as_a_warning(bpkad, treasurer_opd):
    with log_output() as lines, pytest.raises(workflow.WorkflowError):
        workflow.report_verify(
            actor=actor_for(bpkad), opd=treasurer_opd, tahun=2024, triwulan=1, version=0
        )
    (record,) = [r for r in lines if r["logger"] == "serapan.workflow"]
    assert record["level"] == "WARNING"
    assert record["action"] == "verify"
    assert record["user"] == "verifikator"
    assert record["refused"]


@pytest.mark.django_db
def test_a_refused_import_is_logged_with_who_the_kind_and_the_first_error(
    tmp_path, treasurer, treasurer_opd
):
    files = ImportFiles(tmp_path)
    path = files.csv(
        [
            {
                "tahun": "2024",
                "triwulan": "9",
                "kode_opd": treasurer_opd.kode,
                "kode_sub_kegiatan": "1.02.01.2.01.0001",
                "kode_rekening": "5.1.02.01.01.0001",
                "realisasi": "100",
            }
        ],
    )
    with log_output() as lines, pytest.raises(ImportRefused):
        import_realisasi(table=read_table(path), actor=actor_for(treasurer))
    (record,) = [r for r in lines if r["logger"] == "serapan.imports"]
    assert record["level"] == "WARNING"
    assert record["user"] == "bendahara_ini"
    assert record["kind"] == "realisasi"
    assert record["errors"] >= 1
    assert record["first_error"]["row"] == 2
    assert record["first_error"]["column"] == "triwulan"


@pytest.mark.django_db
def test_request_lines_and_a_server_error_name_the_path_and_the_user(client, bpkad):
    client.force_login(bpkad)
    client.raise_request_exception = False
    with log_output() as lines:
        client.get("/impor/")
        with mock.patch("dashboard.health.JsonResponse", side_effect=RuntimeError("bug")):
            assert client.get("/healthz").status_code == 500
    answered = [r for r in lines if r["logger"] == "serapan.request"]
    assert answered[0] | {"path": "/impor/", "status": 200, "user": "verifikator"} == answered[0]
    (error,) = [r for r in lines if r["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["path"] == "/healthz"
    assert error["method"] == "GET"
    assert error["user"] == "verifikator"
    assert "RuntimeError: bug" in error["exc_info"]


# --- static files ----------------------------------------------------------------------------


def test_the_vendored_plotly_bundle_is_the_recorded_one_of_the_python_packages_version():
    data = PLOTLY_BUNDLE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == PLOTLY_SHA256
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.compile(rb"plotly\.js (?:\([a-z -]+\) )?v(\d+\.\d+\.\d+)")
    ours, theirs = version.search(data[:300]), version.search(full.read_bytes()[:300])
    assert ours
    assert theirs
    assert ours.group(1) == theirs.group(1)


def test_the_charts_draw_only_traces_the_basic_bundle_carries():
    """scatter, bar and pie are in plotly.js-basic; a new trace type needs a bigger bundle."""
    source = (ROOT / "dashboard" / "charts.py").read_text(encoding="utf-8")
    assert set(re.findall(r"go\.([A-Z][a-z]+)\(", source)) <= {"Scatter", "Bar", "Pie", "Figure"}


@pytest.mark.django_db
def test_whitenoise_serves_hashed_brotli_and_gzip_files_for_a_year(client, tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.templatetags.static import static

    url = static("vendor/plotly/plotly-basic.min.js")
    assert re.fullmatch(r"/static/vendor/plotly/plotly-basic\.min\.[0-9a-f]{12}\.js", url)
    raw = PLOTLY_BUNDLE.read_bytes()
    sizes = {}
    for encoding in ("br", "gzip", "identity"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        sizes[encoding] = len(body)
        assert response.get("Content-Encoding") == (None if encoding == "identity" else encoding)
        assert "immutable" in response["Cache-Control"]
        assert "max-age=315360000" in response["Cache-Control"]
        assert response["Vary"] == "Accept-Encoding"
    assert sizes["identity"] == len(raw)
    assert sizes["br"] < sizes["gzip"] < len(raw) / 2
    assert client.get("/static/vendor/plotly/plotly-basic.min.js").status_code == 404


# --- make serve's pieces ---------------------------------------------------------------------


def test_serve_generates_a_private_secret_key_once_and_keeps_it(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import serve
    finally:
        sys.path.pop(0)
    env = serve.secret_key_env({}, tmp_path / "data")
    path = Path(env["SECRET_KEY_FILE"])
    assert path == tmp_path / "data" / "secret_key"
    assert path.stat().st_mode & 0o777 == 0o600
    key = path.read_text().strip()
    assert len(key) >= 50
    assert serve.secret_key_env({}, tmp_path / "data")["SECRET_KEY_FILE"] == str(path)
    assert path.read_text().strip() == key
    assert serve.secret_key_env({"SECRET_KEY": "own"}, tmp_path / "other") == {"SECRET_KEY": "own"}
    assert not (tmp_path / "other").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our loopback server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def gunicorn(env: dict[str, str]):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/favicon.ico")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read() if process.stderr else "") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.django_db
def test_gunicorn_serves_pages_and_compressed_static_files_with_debug_off(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}},
        "DEBUG": "0",
        "SECRET_KEY": "a-test-key-" + "x" * 50,
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": _database_url(settings.DATABASES["default"]["NAME"]),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    with gunicorn(env) as base:
        status, headers, body = _get(base + "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
        status, headers, body = _get(base + "/accounts/login/")
        assert status == 200
        script_src = re.search(r"script-src ([^;]*)", headers["Content-Security-Policy"])
        assert script_src
        assert "'unsafe-inline'" not in script_src.group(1)
        css = "/static/" + manifest["css/serapan.css"]
        assert css in body.decode()
        plotly_url = "/static/" + manifest["vendor/plotly/plotly-basic.min.js"]
        for encoding in ("br", "gzip"):
            status, headers, body = _get(base + plotly_url, **{"Accept-Encoding": encoding})
            assert status == 200
            assert headers["Content-Encoding"] == encoding
            assert "immutable" in headers["Cache-Control"]
            assert len(body) < PLOTLY_BUNDLE.stat().st_size / 2
    # The same server with its database gone: the health check says so.
    with gunicorn({**env, "DATABASE_URL": _database_url("serapan_no_such_database")}) as base:
        status, _headers, body = _get(base + "/healthz")
        assert (status, json.loads(body)["status"]) == (503, "error")


def test_the_worker_count_follows_web_concurrency_or_the_cores():
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"

    def workers(**env: str) -> int:
        clean = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout)

    assert workers(WEB_CONCURRENCY="3") == 3
    assert workers() == min(2 * (os.cpu_count() or 1) + 1, 8)
