"""Helpers for the browser tests: Debian's Chromium driven through Playwright's sync API.

Playwright's own browser downloads are not used (they cannot be fetched on the machines this
runs on); the system Chromium is launched through `executable_path`. Without it the browser
tests skip, unless REQUIRE_BROWSER=1 (CI), where a missing browser is an error.
"""

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT_DIR / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    """CHROMIUM_PATH when set, else `chromium` on the PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def no_browser(reason: str):
    """Skip on a bare machine; fail loudly where the browser tests must run."""
    if browser_required():
        pytest.fail(f"REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


def launch_chromium(playwright):
    path = chromium_path()
    if path is None:
        no_browser("Chromium was not found (install Debian's `chromium` or set CHROMIUM_PATH)")
    try:
        return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception as exc:  # Playwright raises its own Error for a browser that won't start
        no_browser(f"Chromium at {path} did not start: {exc}")


@contextlib.contextmanager
def chromium_session():
    """Chromium for a module's tests, as a fixture yields it.

    Playwright's sync API keeps an asyncio loop in the test thread, which trips Django's
    async-unsafe guard on every query the tests (and their database set-up) run; there is no
    real concurrency here, the loop only waits on the browser.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch_chromium(playwright)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def shoot(page, name: str) -> Path:
    """A full-page screenshot in screenshots/ at the project root, to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_charts(page, *figures: str) -> None:
    """Wait until plotly.js has drawn each named chart (its SVG is in the chart div)."""
    for figure in figures:
        page.locator(f'[data-figure="{figure}"] svg.main-svg').first.wait_for(state="attached")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        """() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)
                 - document.documentElement.clientWidth"""
    )


def _on_table(template: str, table: str) -> sql.Composed:
    """A statement on one table, its name quoted as an identifier by psycopg."""
    return sql.SQL(template).format(sql.Identifier(table))


class TableSnapshot:
    """The rows a command writes, copied out of PostgreSQL once and copied back in on demand.

    `seed_demo` takes seconds (it runs the real importers); a live-server test flushes the
    database after itself, so each test needs the demo again. COPYing the rows back is a
    fraction of that, and gives the very rows seed_demo wrote.
    """

    def __init__(self, tables: dict[str, bytes]):
        self.tables = tables

    @classmethod
    def of_command(cls, *args, **options) -> "TableSnapshot":
        """Run the command in a transaction that is rolled back, keeping what it wrote.

        Only tables the command filled from empty are kept, so that restoring them into a
        freshly flushed database cannot collide with rows that are already there.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            names = connection.introspection.django_table_names(only_existing=True)

            def count(table: str) -> int:
                cursor.execute(_on_table("SELECT count(*) FROM {}", table))
                return cursor.fetchone()[0]

            before = {table: count(table) for table in names}
            call_command(*args, stdout=io.StringIO(), **options)
            filled = [table for table in names if count(table) != before[table]]
            grown = [table for table in filled if before[table]]
            if grown:
                raise RuntimeError(f"tables not empty before the snapshot: {', '.join(grown)}")
            tables = {}
            for table in filled:
                with cursor.cursor.copy(_on_table("COPY {} TO STDOUT", table)) as copy:
                    tables[table] = b"".join(bytes(block) for block in copy)
            transaction.set_rollback(True)
        return cls(tables)

    def restore(self) -> None:
        """Copy the rows back (foreign keys are checked at commit) and move the sequences
        past them.

        The tables' own triggers are off while copying: the audit trail's (django-pghistory)
        would otherwise record the copy itself as a fresh insert by nobody, next to the events
        the command wrote, which are restored too. Foreign keys (internal triggers) are checked.
        """
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in self.tables
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(_on_table("ALTER TABLE {} DISABLE TRIGGER USER", table))
            for table, data in self.tables.items():
                with cursor.cursor.copy(_on_table("COPY {} FROM STDIN", table)) as copy:
                    copy.write(data)
            # The deferred foreign key checks run now: a table with checks pending cannot
            # have its triggers switched back on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in self.tables:
                cursor.execute(_on_table("ALTER TABLE {} ENABLE TRIGGER USER", table))
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
