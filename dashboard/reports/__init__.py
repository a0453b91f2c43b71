"""Printable reports: the LRA-style absorption report (XLSX and PDF) and the one-page ranking.

`lra` arranges the selectors' rows into the report's sections, `xlsx` and `pdf` render them,
`views` serves them under /laporan/ and /peringkat/cetak.pdf with the pages' permissions.
Every number comes from budget.selectors; nothing here adds, subtracts or divides amounts.
"""
