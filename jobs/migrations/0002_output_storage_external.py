"""A report's output is a ZIP (XLSX) or a PDF, compressed already: PostgreSQL's own TOAST
compression of it costs time on every finished report and gains nothing. EXTERNAL keeps it
out of line, uncompressed (docs/PERFORMANCE.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE jobs_job ALTER COLUMN output SET STORAGE EXTERNAL",
            reverse_sql="ALTER TABLE jobs_job ALTER COLUMN output SET STORAGE EXTENDED",
        )
    ]
