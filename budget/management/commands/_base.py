"""Shared behaviour of the import commands: read, report every error, exit non-zero."""

import getpass
import sys
from typing import TYPE_CHECKING, Any

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from budget.importing import ImportRefused, read_table
from budget.importing.reading import Table

if TYPE_CHECKING:  # each command imports its own importer only
    from budget.importing.dpa import DpaResult
    from budget.importing.fisik import FisikResult
    from budget.importing.realisasi import RealisasiResult


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, with header) or XLSX (first sheet)")
        parser.add_argument("--region", dest="region_kode", help="code of the region (pemda)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def run_import(  # pragma: no cover - implemented by subclasses
        self, table: Table, options: dict[str, Any], progress: bool
    ) -> "DpaResult | RealisasiResult | FisikResult":
        raise NotImplementedError

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        progress = sys.stderr.isatty() and not options["no_progress"]
        try:
            table = read_table(options["file"])
            # History events of this import name the command, the file and who ran it.
            with pghistory.context(
                command=self.__module__.rsplit(".", 1)[-1],
                file=str(options["file"]),
                os_user=getpass.getuser(),
            ):
                result = self.run_import(table, options, progress)
        except ImportRefused as refused:
            for error in refused.errors:
                self.stderr.write(str(error))
            raise CommandError(
                translation.gettext("%(n)d error(s); nothing was imported")
                % {"n": len(refused.errors)},
                returncode=1,
            ) from None
        for line in result.summary_lines():
            self.stdout.write(line)
