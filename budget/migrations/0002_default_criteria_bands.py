"""Seed the Kepmendagri 690.900-327/1996 bands as data (region NULL = the defaults).

The table is frozen here as it stood when the migration was written: a migration must give
the same database whatever the live code says later (`budget.criteria.DEFAULT_BANDS` may
change; a change of the stored defaults is a new migration)."""

from decimal import Decimal

from django.db import migrations

D = Decimal
# kind, rank, label, lower, lower_inclusive, upper, upper_inclusive
BANDS = (
    ("efektivitas", 1, "Sangat Efektif", D(100), False, None, False),
    ("efektivitas", 2, "Efektif", D(90), True, D(100), True),
    ("efektivitas", 3, "Cukup Efektif", D(80), True, D(90), False),
    ("efektivitas", 4, "Kurang Efektif", D(60), True, D(80), False),
    ("efektivitas", 5, "Tidak Efektif", None, True, D(60), False),
    ("efisiensi", 5, "Tidak Efisien", D(100), False, None, False),
    ("efisiensi", 4, "Kurang Efisien", D(90), True, D(100), True),
    ("efisiensi", 3, "Cukup Efisien", D(80), True, D(90), False),
    ("efisiensi", 2, "Efisien", D(60), True, D(80), False),
    ("efisiensi", 1, "Sangat Efisien", None, True, D(60), False),
)


def seed(apps, schema_editor):
    CriteriaBand = apps.get_model("budget", "CriteriaBand")
    for kind, rank, label, lower, lower_inclusive, upper, upper_inclusive in BANDS:
        CriteriaBand.objects.update_or_create(
            region=None,
            kind=kind,
            rank=rank,
            defaults={
                "label": label,
                "lower": lower,
                "upper": upper,
                "lower_inclusive": lower_inclusive,
                "upper_inclusive": upper_inclusive,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("budget", "CriteriaBand").objects.filter(region=None).delete()


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
