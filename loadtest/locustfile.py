"""Serapan under load: the three kinds of people of DESIGN §1 at once, on the demo region.

    locust -f loadtest/locustfile.py --headless --host http://127.0.0.1:8000 \\
        -u 50 -r 10 --run-time 60s --stop-timeout 30 --csv loadtest/results/serapan \\
        --saves-log loadtest/results/saves.jsonl
    python loadtest/check_saves.py loadtest/results/saves.jsonl   # afterwards (DATABASE_URL)

(`make load HOST=... USERS=50 RUN_TIME=60s` runs both.)

- Treasurers (`bendahara1`, `bendahara2`; several locust users share each account, as an
  office shares a login) open their quarterly entry page (2026 TW IV by default), change one
  line to a new amount and save the draft with the page's version and CSRF token. Two people
  saving the same quarter from pages opened at the same version: one is saved, the other gets
  409 (the page was stale). A 409 is the expected outcome of that race, counted on its own
  line ("... [409 conflict]"), not as an error. Every save that was accepted (302) is written
  to the saves log with the version it was made on and every box it posted, so that
  check_saves.py can tell afterwards that the last accepted save of each quarter is what the
  database holds: no accepted figure lost or overwritten by a stale page.
- BPKAD (`bpkad`) takes other OPDs' quarters (2026 TW III, not the treasurers' OPDs) through
  the workflow: verifies a submitted report, reopens a verified one, submits a draft again;
  also logged, so that the checker can find each quarter in the state of its last step.
- Heads of region (`kepala`) read the overview, OPD pages, the ranking and the JSON API.

Against `make serve` on loopback the cookies are Secure while the URL is plain HTTP: browsers
treat http://127.0.0.1 and http://localhost as a secure context and send them; Python's cookie
jar does not, so the scenario's users keep a loopback server's cookies as not Secure (and only
a loopback server's).

Demo users only (password `demo12345`, `seed_demo` makes them). Logins never fail, so
django-axes never locks anyone out; a failed login stops the run, since everything after it
would be noise.
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser
from requests.cookies import RequestsCookieJar

PASSWORD = "demo12345"  # noqa: S105 (the demo users' published password, DESIGN §4)
TREASURERS = ("bendahara1", "bendahara2")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ROW = re.compile(r"<tr[^>]*data-jenis=\"(\w+)\" data-pagu=\"([\d.]+)\">(.*?)</tr>", re.S)
BOX = re.compile(
    r'name="line-(\d+)" value="([^"]*)"[^>]*data-other-quarters="([\d.]+)" '
    r'data-after="([\d.]+)"'
)
KENDALA = re.compile(r"<input[^>]*name=\"kendala\"[^>]*>")
MESSAGE = re.compile(r'<li class="error" role="status">(.*?)</li>', re.S)
LINE_ERROR = re.compile(r'<div class="error" role="alert">(.*?)</div>', re.S)
CATATAN = re.compile(r'<textarea name="kendala_catatan"[^>]*>(.*?)</textarea>', re.S)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

_log: Any = None
_counter = itertools.count(1)
_treasurers = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument(
        "--saves-log",
        default="loadtest/results/saves.jsonl",
        help="JSON lines: every accepted draft save and workflow step, for check_saves.py",
    )
    parser.add_argument("--tahun", type=int, default=2026, help="year of the pages read")
    parser.add_argument("--draft-triwulan", type=int, default=4, help="quarter treasurers save")
    parser.add_argument(
        "--verify-triwulan", type=int, default=3, help="quarter BPKAD takes through the workflow"
    )


@events.test_start.add_listener
def _open_log(environment, **_kwargs):
    global _log
    path = Path(environment.parsed_options.saves_log)
    path.parent.mkdir(parents=True, exist_ok=True)
    _log = path.open("w", encoding="utf-8")


@events.test_stop.add_listener
def _close_log(environment, **_kwargs):
    if _log is not None:
        _log.close()


def record(**entry: Any) -> None:
    # gevent: one OS thread, a write of a line is never interleaved with another.
    _log.write(json.dumps({"at": time.time(), **entry}) + "\n")
    _log.flush()


class LoopbackJar(RequestsCookieJar):
    """Keeps the cookies of a loopback server as not Secure, so that they go back to it over
    plain HTTP, as a browser sends them there."""

    def set_cookie(self, cookie, *args, **kwargs):
        if cookie.domain.lstrip(".").removesuffix(".local") in LOOPBACK:
            cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class SerapanUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.tahun = options.tahun if options else 2026
        self.number = next(_counter)
        self.posts = 0
        self.client.cookies = LoopbackJar()
        self.login()
        response = self.client.get("/api/v1/opds/", name="/api/v1/opds/")
        self.opds = [o["kode"] for o in response.json()["results"]]

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
            if token
            else {},
            name="/accounts/login/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} refused ({response.status_code})")
                raise StopUser()

    def entry_url(self, kode: str, triwulan: int) -> str:
        return f"/opd/{kode}/realisasi/{self.tahun}/{triwulan}/"

    def post_action(self, url: str, data: dict[str, Any], label: str, **attempt: Any) -> int:
        """POST a form of the entry page; 302 is done, 409 a stale page (counted apart).

        The attempt is logged before it is sent and its answer after: a POST still in flight
        when the run stops has an attempt and no answer, and the checker knows it may or may
        not have been saved."""
        self.posts += 1
        attempt_id = f"{self.number}-{self.posts}"
        record(kind="attempt", id=attempt_id, action=label, user=self.number, **attempt)
        status = self._post(url, data, label)
        record(kind="answer", id=attempt_id, status=status)
        return status

    def _post(self, url: str, data: dict[str, Any], label: str) -> int:
        with self.client.post(
            url,
            data,
            name=f"/opd/[kode]/realisasi/ [{label}]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            status = response.status_code
            if status == 302:
                response.success()
            elif status == 409:
                # Its own line in the statistics, not an error.
                response.request_meta["name"] += " [409 conflict]"
                response.success()
            else:
                reasons = [html.unescape(m) for m in MESSAGE.findall(response.text)]
                reasons += [html.unescape(m) for m in LINE_ERROR.findall(response.text)]
                response.failure(f"{label}: HTTP {status} {'; '.join(reasons)[:300]}")
        return status


class Treasurer(SerapanUser):
    weight = 2

    def on_start(self) -> None:
        self.username = TREASURERS[next(_treasurers) % len(TREASURERS)]
        super().on_start()
        self.kode = self.opds[0]  # a treasurer sees their own OPD only
        self.saves = 0

    @task(4)
    def save_draft(self) -> None:
        triwulan = self.environment.parsed_options.draft_triwulan
        url = self.entry_url(self.kode, triwulan)
        page = self.client.get(url, name="/opd/[kode]/realisasi/")
        token, version = CSRF.search(page.text), VERSION.search(page.text)
        boxes = {}
        room = []
        for jenis, pagu, cells in ROW.findall(page.text):
            box = BOX.search(cells)
            if not box:
                continue
            line, value, others, after = box.groups()
            boxes[f"line-{line}"] = html.unescape(value)
            left = float(pagu) - float(others) - float(after)
            if jenis != "belanja" or left >= 10_000_000:
                room.append(f"line-{line}")
        if not (token and version and room):
            return  # the quarter is locked, or nothing can take a new amount
        self.saves += 1
        # A new amount nobody else types: this user, this save (whole rupiah, far under the
        # room left on the line).
        changed = random.choice(room)  # noqa: S311
        boxes[changed] = str(self.number * 100_000 + self.saves)
        kendala = [
            re.search(r'value="([^"]+)"', tag)[1]  # type: ignore[index]
            for tag in KENDALA.findall(page.text)
            if " checked" in tag
        ]
        catatan = CATATAN.search(page.text)
        data = {
            "csrfmiddlewaretoken": token[1],
            "version": version[1],
            "action": "save",
            "kendala": kendala,
            "kendala_catatan": html.unescape(catatan[1]).strip() if catatan else "",
            **boxes,
        }
        self.post_action(
            url,
            data,
            "save",
            username=self.username,
            opd=self.kode,
            tahun=self.tahun,
            triwulan=triwulan,
            version=int(version[1]),
            changed=changed,
            boxes=boxes,
        )

    @task(1)
    def own_opd(self) -> None:
        self.client.get(f"/opd/{self.kode}/?tahun={self.tahun}&triwulan=3", name="/opd/[kode]/")

    @task(1)
    def ranking(self) -> None:
        self.client.get(f"/peringkat/?tahun={self.tahun}&triwulan=3", name="/peringkat/")


class Bpkad(SerapanUser):
    weight = 1
    username = "bpkad"

    def on_start(self) -> None:
        super().on_start()
        # The first two OPDs are the demo treasurers': their quarters are theirs to save.
        self.workflow_opds = self.opds[2:]

    @task(3)
    def workflow_step(self) -> None:
        triwulan = self.environment.parsed_options.verify_triwulan
        kode = random.choice(self.workflow_opds)  # noqa: S311
        url = self.entry_url(kode, triwulan)
        page = self.client.get(url, name="/opd/[kode]/realisasi/")
        token, version = CSRF.search(page.text), VERSION.search(page.text)
        if not (token and version):
            return
        data: dict[str, Any] = {"csrfmiddlewaretoken": token[1], "version": version[1]}
        if 'value="verify"' in page.text:
            action = "verify"
        elif 'value="reopen"' in page.text:
            action = "reopen"
            data["alasan"] = "Uji beban: dibuka kembali"
        else:
            # A draft: hand it in again with the obstacles it already gives (required when
            # the OPD is behind its cash plan).
            action = "submit"
            data["kendala"] = [
                re.search(r'value="([^"]+)"', tag)[1]  # type: ignore[index]
                for tag in KENDALA.findall(page.text)
                if " checked" in tag
            ]
            catatan = CATATAN.search(page.text)
            data["kendala_catatan"] = html.unescape(catatan[1]).strip() if catatan else ""
        data["action"] = action
        self.post_action(
            url,
            data,
            action,
            username=self.username,
            opd=kode,
            tahun=self.tahun,
            triwulan=triwulan,
            version=int(version[1]),
        )

    @task(1)
    def overview(self) -> None:
        self.client.get(f"/?tahun={self.tahun}&triwulan=3", name="/")

    @task(1)
    def ranking(self) -> None:
        self.client.get(f"/peringkat/?tahun={self.tahun}&triwulan=3", name="/peringkat/")


class KepalaDaerah(SerapanUser):
    weight = 3
    username = "kepala"

    @task(3)
    def overview(self) -> None:
        self.client.get(f"/?tahun={self.tahun}&triwulan=3", name="/")

    @task(3)
    def opd_page(self) -> None:
        kode = random.choice(self.opds)  # noqa: S311
        self.client.get(f"/opd/{kode}/?tahun={self.tahun}&triwulan=3", name="/opd/[kode]/")

    @task(2)
    def ranking(self) -> None:
        self.client.get(f"/peringkat/?tahun={self.tahun}&triwulan=3", name="/peringkat/")

    @task(2)
    def api_absorption(self) -> None:
        level = random.choice(["opd", "program", "pemda"])  # noqa: S311
        self.client.get(
            f"/api/v1/absorption/?tahun={self.tahun}&triwulan=3&level={level}",
            name=f"/api/v1/absorption/ [{level}]",
        )

    @task(1)
    def api_ranking(self) -> None:
        self.client.get(f"/api/v1/ranking/?tahun={self.tahun}&triwulan=3", name="/api/v1/ranking/")
