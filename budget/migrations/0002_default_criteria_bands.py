"""Seed the Kepmendagri 690.900-327/1996 bands as data (region NULL = the defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    from budget.criteria import DEFAULT_BANDS

    CriteriaBand = apps.get_model("budget", "CriteriaBand")
    for kind, bands in DEFAULT_BANDS.items():
        for band in bands:
            CriteriaBand.objects.update_or_create(
                region=None,
                kind=kind,
                rank=band.rank,
                defaults={
                    "label": band.label,
                    "lower": band.lower,
                    "upper": band.upper,
                    "lower_inclusive": band.lower_inclusive,
                    "upper_inclusive": band.upper_inclusive,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("budget", "CriteriaBand").objects.filter(region=None).delete()


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
