"""Early warning (DESIGN §5): the region's report deadline and score weights, the jenis
belanja with their quarterly absorption targets, the bands of nilai kinerja, and when each
quarterly report was first submitted.

The defaults are frozen here as §5 states them (a later change of the defaults is a new
migration). A report's first submission is read back from its history: the earliest event
that shows it submitted."""

from decimal import Decimal

import budget.models
import django.core.validators
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

D = Decimal
# jenis_belanja, prefix, cumulative targets TW I-IV (percent of pagu)
TARGETS = (
    ("pegawai", "5.1.01", (D(20), D(50), D(75), D(95))),
    ("barang_jasa", "5.1.02", (D(15), D(50), D(70), D(90))),
    ("modal", "5.2", (D(10), D(40), D(70), D(90))),
    ("bansos", "5.1.06", (D(25), D(50), D(75), D(95))),
)
# rank, label, lower, lower_inclusive, upper, upper_inclusive
KINERJA_BANDS = (
    (1, "Sangat Baik", D(95), True, None, False),
    (2, "Baik", D(89), True, D(95), False),
    (3, "Cukup", D(70), True, D(89), False),
    (4, "Kurang", None, True, D(70), False),
)


def seed(apps, schema_editor):
    TargetPenyerapan = apps.get_model("budget", "TargetPenyerapan")
    for jenis, prefix, targets in TARGETS:
        TargetPenyerapan.objects.update_or_create(
            region=None,
            jenis_belanja=jenis,
            defaults={
                "prefix": prefix,
                **{f"target_tw{q}": t for q, t in enumerate(targets, start=1)},
            },
        )
    CriteriaBand = apps.get_model("budget", "CriteriaBand")
    for rank, label, lower, lower_inclusive, upper, upper_inclusive in KINERJA_BANDS:
        CriteriaBand.objects.update_or_create(
            region=None,
            kind="kinerja",
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
    apps.get_model("budget", "TargetPenyerapan").objects.filter(region=None).delete()
    apps.get_model("budget", "CriteriaBand").objects.filter(kind="kinerja").delete()


def backfill_first_submission(apps, schema_editor):
    QuarterReport = apps.get_model("budget", "QuarterReport")
    Event = apps.get_model("budget", "QuarterReportEvent")
    from django.db.models import Min

    first = (
        Event.objects.filter(status="diajukan")
        .values("pgh_obj_id")
        .annotate(at=Min("pgh_created_at"))
    )
    for row in first:
        QuarterReport.objects.filter(pk=row["pgh_obj_id"]).update(first_submitted_at=row["at"])
    # Submitted before the history began (none should be): their own date.
    QuarterReport.objects.filter(
        first_submitted_at__isnull=True, submitted_at__isnull=False
    ).update(first_submitted_at=models.F("submitted_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0010_rollup_three_segments"),
    ]

    operations = [
        migrations.CreateModel(
            name="TargetPenyerapan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "jenis_belanja",
                    models.CharField(
                        choices=[
                            ("pegawai", "Personnel"),
                            ("barang_jasa", "Goods and services"),
                            ("modal", "Capital"),
                            ("bansos", "Social assistance"),
                        ],
                        max_length=12,
                        verbose_name="jenis belanja",
                    ),
                ),
                (
                    "prefix",
                    models.CharField(
                        help_text="Lines whose kode rekening starts with it, e.g. 5.1.02 or 5.2.",
                        max_length=12,
                        validators=[budget.models.validate_prefix],
                        verbose_name="account prefix",
                    ),
                ),
                (
                    "target_tw1",
                    models.DecimalField(
                        decimal_places=2, max_digits=5, verbose_name="target TW I (%)"
                    ),
                ),
                (
                    "target_tw2",
                    models.DecimalField(
                        decimal_places=2, max_digits=5, verbose_name="target TW II (%)"
                    ),
                ),
                (
                    "target_tw3",
                    models.DecimalField(
                        decimal_places=2, max_digits=5, verbose_name="target TW III (%)"
                    ),
                ),
                (
                    "target_tw4",
                    models.DecimalField(
                        decimal_places=2, max_digits=5, verbose_name="target TW IV (%)"
                    ),
                ),
            ],
            options={
                "verbose_name": "absorption target",
                "verbose_name_plural": "absorption targets",
                "ordering": ["region", "prefix"],
            },
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="quarterreport",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="quarterreport",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="quarterreport",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="quarterreport",
            name="first_submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first submitted"),
        ),
        migrations.AddField(
            model_name="quarterreportevent",
            name="first_submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first submitted"),
        ),
        migrations.AddField(
            model_name="region",
            name="batas_laporan_hari",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="A quarterly report is on time when submitted within this many days.",
                validators=[django.core.validators.MaxValueValidator(90)],
                verbose_name="report deadline (days after the quarter)",
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="bobot_deviasi_kas",
            field=models.PositiveSmallIntegerField(
                default=15, verbose_name="weight: cash plan deviation"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="bobot_fisik",
            field=models.PositiveSmallIntegerField(
                default=25, verbose_name="weight: physical progress"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="bobot_ketepatan",
            field=models.PositiveSmallIntegerField(
                default=10, verbose_name="weight: timely reports"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="bobot_penyerapan",
            field=models.PositiveSmallIntegerField(
                default=20, verbose_name="weight: absorption against target"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="bobot_revisi",
            field=models.PositiveSmallIntegerField(
                default=10, verbose_name="weight: DPA revisions"
            ),
        ),
        migrations.AlterField(
            model_name="criteriaband",
            name="kind",
            field=models.CharField(
                choices=[
                    ("efektivitas", "effectiveness"),
                    ("efisiensi", "efficiency"),
                    ("kinerja", "performance score"),
                ],
                max_length=12,
                verbose_name="criterion kind",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarterreport",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "budget_quarterreportevent" ("alasan", "created_at", "first_submitted_at", "id", "kendala", "kendala_catatan", "opd_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "region_id", "sent_back_at", "sent_back_by_id", "sent_back_step", "status", "submitted_at", "submitted_by_id", "tahun", "triwulan", "updated_at", "updated_by_id", "verified_at", "verified_by_id", "version") SELECT new_values."alasan", new_values."created_at", new_values."first_submitted_at", new_values."id", new_values."kendala", new_values."kendala_catatan", new_values."opd_id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."region_id", new_values."sent_back_at", new_values."sent_back_by_id", new_values."sent_back_step", new_values."status", new_values."submitted_at", new_values."submitted_by_id", new_values."tahun", new_values."triwulan", new_values."updated_at", new_values."updated_by_id", new_values."verified_at", new_values."verified_by_id", new_values."version" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="64c0a14db73fd4d6e198e7a732056a3edcb49607",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_66404",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="budget_quarterreport",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarterreport",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "budget_quarterreportevent" ("alasan", "created_at", "first_submitted_at", "id", "kendala", "kendala_catatan", "opd_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "region_id", "sent_back_at", "sent_back_by_id", "sent_back_step", "status", "submitted_at", "submitted_by_id", "tahun", "triwulan", "updated_at", "updated_by_id", "verified_at", "verified_by_id", "version") SELECT new_values."alasan", new_values."created_at", new_values."first_submitted_at", new_values."id", new_values."kendala", new_values."kendala_catatan", new_values."opd_id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."region_id", new_values."sent_back_at", new_values."sent_back_by_id", new_values."sent_back_step", new_values."status", new_values."submitted_at", new_values."submitted_by_id", new_values."tahun", new_values."triwulan", new_values."updated_at", new_values."updated_by_id", new_values."verified_at", new_values."verified_by_id", new_values."version" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values.* IS DISTINCT FROM new_values.*) ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="0bb89dc0e182cbc92313a13a55624e0413ec257e",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_8753f",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="budget_quarterreport",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarterreport",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "budget_quarterreportevent" ("alasan", "created_at", "first_submitted_at", "id", "kendala", "kendala_catatan", "opd_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "region_id", "sent_back_at", "sent_back_by_id", "sent_back_step", "status", "submitted_at", "submitted_by_id", "tahun", "triwulan", "updated_at", "updated_by_id", "verified_at", "verified_by_id", "version") SELECT old_values."alasan", old_values."created_at", old_values."first_submitted_at", old_values."id", old_values."kendala", old_values."kendala_catatan", old_values."opd_id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."region_id", old_values."sent_back_at", old_values."sent_back_by_id", old_values."sent_back_step", old_values."status", old_values."submitted_at", old_values."submitted_by_id", old_values."tahun", old_values."triwulan", old_values."updated_at", old_values."updated_by_id", old_values."verified_at", old_values."verified_by_id", old_values."version" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="0c8d2f0c4876d3953e9c0b4c2ad4598ebb6a4b54",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_2d5cc",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="budget_quarterreport",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="targetpenyerapan",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                to="budget.region",
                verbose_name="pemda",
            ),
        ),
        migrations.AddConstraint(
            model_name="targetpenyerapan",
            constraint=models.UniqueConstraint(
                fields=("region", "jenis_belanja"),
                name="target_one_per_jenis",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="targetpenyerapan",
            constraint=models.UniqueConstraint(
                fields=("region", "prefix"), name="target_unique_prefix", nulls_distinct=False
            ),
        ),
        migrations.AddConstraint(
            model_name="targetpenyerapan",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("target_tw1__gt", 0),
                    ("target_tw2__gte", models.F("target_tw1")),
                    ("target_tw3__gte", models.F("target_tw2")),
                    ("target_tw4__gte", models.F("target_tw3")),
                    ("target_tw4__lte", 100),
                ),
                name="target_cumulative_0_to_100",
            ),
        ),
        migrations.RunPython(seed, unseed),
        migrations.RunPython(backfill_first_submission, migrations.RunPython.noop),
    ]
