"""The Django admin: BPKAD's tool for master data and corrections, under the same rules as the
entry page. Nobody else gets in; figures are never deleted; reports move only through the
workflow; a locked quarter and the pagu hold here too."""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import Client
from django.utils import translation

from budget.models import DpaLine, QuarterReport, Realisasi, Region
from budget.money import format_amount
from budget.roles import actor_for
from budget.workflow import realisasi_save, report_submit, report_verify
from tests.factories import AccountFactory, DpaLineFactory, RealisasiFactory

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2024
PAGU = D("4000000.00")
BUDGET_MODELS = sorted(
    str(model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label == "budget"
)


@pytest.fixture
def line(treasurer_opd):
    line = DpaLineFactory.create(
        region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR, pagu=PAGU
    )
    RealisasiFactory.create(line=line, triwulan=1, jumlah=D("1000000.00"))
    RealisasiFactory.create(line=line, triwulan=2, jumlah=D("500000.00"))
    return line


@pytest.fixture
def report(line, treasurer):
    """TW I of the line's OPD, saved as a draft."""
    actor = actor_for(treasurer)
    realisasi_save(actor=actor, opd=line.opd, tahun=YEAR, triwulan=1, amounts={}, version=0)
    return QuarterReport.objects.get()


@pytest.fixture
def verified(report, treasurer, bpkad):
    common = {"opd": report.opd, "tahun": YEAR, "triwulan": 1}
    submitted = report_submit(actor=actor_for(treasurer), **common, version=report.version)
    return report_verify(actor=actor_for(bpkad), **common, version=submitted.version)


@pytest.fixture
def as_bpkad(client, bpkad):
    client.force_login(bpkad)
    return client


def id_text(msgid: str, **values) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    return text % values if values else text


LOCKED = id_text(
    "the report for this quarter is %(status)s and locked; it cannot be changed",
    status="terverifikasi",
)


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def figures() -> list:
    return sorted(Realisasi.objects.values_list("line_id", "triwulan", "jumlah", "updated_at"))


def dpa_change_data(line, **changes) -> dict:
    """The DPA line's admin form as posted, with its realisasi inline as stored unless
    `changes` names `tw<N>` (that quarter's amount) or a field of the line."""
    data = {
        "tahun": line.tahun,
        "opd": line.opd_id,
        "sub_kegiatan": line.sub_kegiatan_id or "",
        "account": line.account_id,
        "jenis": line.jenis,
        "pagu": line.pagu,
        "kas_tw1": line.kas_tw1,
        "kas_tw2": line.kas_tw2,
        "kas_tw3": line.kas_tw3,
        "kas_tw4": line.kas_tw4,
        "sumber_dana": line.sumber_dana,
        "region": line.region_id,
        "realisasi-INITIAL_FORMS": "0",
        "realisasi-MIN_NUM_FORMS": "0",
        "realisasi-MAX_NUM_FORMS": "1000",
    }
    stored = list(Realisasi.objects.filter(line=line).order_by("triwulan"))
    for i, real in enumerate(stored):
        data[f"realisasi-{i}-id"] = real.pk
        data[f"realisasi-{i}-line"] = line.pk
        data[f"realisasi-{i}-triwulan"] = real.triwulan
        data[f"realisasi-{i}-jumlah"] = changes.pop(f"tw{real.triwulan}", real.jumlah)
    data["realisasi-TOTAL_FORMS"] = data["realisasi-INITIAL_FORMS"] = str(len(stored))
    data.update(changes)
    return data


def entry_url(line, triwulan: int) -> str:
    return f"/opd/{line.opd.kode}/realisasi/{line.tahun}/{triwulan}/"


def event_count() -> int:
    return sum(
        apps.get_model("budget", name).objects.count()
        for name in ("DpaLineEvent", "RealisasiEvent", "QuarterReportEvent")
    )


# Who gets in -------------------------------------------------------------------------------------


def test_the_budget_models_are_all_in_the_admin():
    expected = sorted(
        [
            "account",
            "criteriaband",
            "dpaline",
            "dpalineversion",
            "dpaversion",
            "kegiatan",
            "opd",
            "profile",
            "program",
            "quarterreport",
            "realisasi",
            "region",
            "opdmapping",
            "subkegiatan",
            "targetpenyerapan",
            "upaya",
        ]
    )
    assert expected == BUDGET_MODELS


@pytest.fixture
def early_warning_rows(report):
    """A code mapping, a remedial action and a DPA version with its line, so that their admin
    lists hold a row."""
    from datetime import date

    from budget.models import DpaLine, DpaLineVersion, DpaVersion, OpdMapping, Upaya

    version = DpaVersion.objects.create(
        region=report.region, tahun=YEAR, jenis="murni", tanggal=date(YEAR, 1, 1)
    )
    line = DpaLine.objects.filter(opd=report.opd).first()
    assert line is not None
    DpaLineVersion.objects.create(
        region=report.region,
        version=version,
        line=line,
        pagu=line.pagu,
        kas_tw1=line.kas_tw1,
        kas_tw2=line.kas_tw2,
        kas_tw3=line.kas_tw3,
        kas_tw4=line.kas_tw4,
        kelas="baru",
    )

    OpdMapping.objects.create(region=report.region, kode_lama="9.99", kode_baru=report.opd.kode)
    Upaya.objects.create(
        region=report.region,
        opd=report.opd,
        tahun=YEAR,
        triwulan=1,
        kendala="pengadaan",
        tindakan="Percepat lelang",
        penanggung_jawab="Kabid",
        batas_waktu=date(YEAR, 5, 1),
    )


@pytest.mark.parametrize("model", BUDGET_MODELS)
def test_bpkad_opens_every_budget_model_in_the_admin(as_bpkad, report, early_warning_rows, model):
    # The BPKAD verifier is staff in the BPKAD group, not a superuser: the role is enough.
    response = as_bpkad.get(f"/admin/budget/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_bpkad_sees_the_budget_models_on_the_admin_index(as_bpkad, report):
    response = as_bpkad.get("/admin/")
    assert response.status_code == 200
    (app,) = [a for a in response.context["app_list"] if a["app_label"] == "budget"]
    assert sorted(m["object_name"].lower() for m in app["models"]) == BUDGET_MODELS


def test_the_admin_is_titled_for_serapan_in_indonesian(as_bpkad, report):
    html = as_bpkad.get("/admin/").content.decode()
    assert "<title>Data daerah | Administrasi Serapan</title>" in html
    assert "Administrasi Serapan" in html
    assert "Django" not in html.replace("django", "")


def test_a_superuser_opens_every_model_in_the_admin(client, report):
    client.force_login(User.objects.create_superuser("admin"))
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["kepala_daerah", "treasurer", "other_treasurer"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/budget/realisasi/", "/admin/budget/dpaline/"])
def test_the_head_of_region_and_treasurers_are_sent_to_the_admin_login(
    client, request, line, role, path
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize("role", ["kepala_daerah", "treasurer"])
def test_made_staff_by_mistake_they_still_cannot_touch_the_figures(client, request, line, role):
    user = request.getfixturevalue(role)
    user.is_staff = True
    user.save()
    client.force_login(user)
    real = Realisasi.objects.filter(line=line).first()
    assert real is not None
    before = figures()
    assert client.get("/admin/budget/realisasi/").status_code == 403
    response = client.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": line.pk, "triwulan": real.triwulan, "jumlah": "1"},
    )
    assert response.status_code == 403
    assert figures() == before


# Nothing is deleted -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["realisasi", "dpaline", "quarterreport"])
def test_deleting_figures_is_not_offered(as_bpkad, report, line, model):
    model_class: type[Model] = {
        "realisasi": Realisasi,
        "dpaline": DpaLine,
        "quarterreport": QuarterReport,
    }[model]
    obj = model_class._default_manager.first()
    assert obj is not None
    changelist = as_bpkad.get(f"/admin/budget/{model}/")
    assert "delete_selected" not in changelist.content.decode()
    change = as_bpkad.get(f"/admin/budget/{model}/{obj.pk}/change/")
    assert change.status_code == 200
    assert f"/admin/budget/{model}/{obj.pk}/delete/" not in change.content.decode()
    counts = (Realisasi.objects.count(), DpaLine.objects.count(), QuarterReport.objects.count())
    assert as_bpkad.get(f"/admin/budget/{model}/{obj.pk}/delete/").status_code == 403
    assert (
        as_bpkad.post(f"/admin/budget/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    response = as_bpkad.post(
        f"/admin/budget/{model}/",
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert (
        Realisasi.objects.count(),
        DpaLine.objects.count(),
        QuarterReport.objects.count(),
    ) == counts


def test_the_realisasi_inline_under_a_dpa_line_offers_no_delete_box(as_bpkad, line):
    html = as_bpkad.get(f"/admin/budget/dpaline/{line.pk}/change/").content.decode()
    assert 'name="realisasi-0-jumlah"' in html
    assert "realisasi-0-DELETE" not in html


# Quarterly reports are read-only ------------------------------------------------------------------


def test_the_quarterly_report_admin_is_read_only(as_bpkad, report):
    url = f"/admin/budget/quarterreport/{report.pk}/change/"
    response = as_bpkad.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="status"' not in html
    before = list(QuarterReport.objects.values())
    response = as_bpkad.post(url, {"status": "diverifikasi", "version": "99"})
    assert response.status_code == 403
    assert as_bpkad.get("/admin/budget/quarterreport/add/").status_code == 403
    assert as_bpkad.post("/admin/budget/quarterreport/add/", {"status": "draf"}).status_code == 403
    assert list(QuarterReport.objects.values()) == before


# The rules of the entry page hold in the admin ----------------------------------------------------


def test_a_verified_quarter_refuses_an_edit_through_the_admin_change_form(as_bpkad, line, verified):
    real = Realisasi.objects.get(line=line, triwulan=1)
    before, events = figures(), event_count()
    response = as_bpkad.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": line.pk, "triwulan": 1, "jumlah": "1.00"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert LOCKED in page_text(response)
    assert figures() == before
    assert event_count() == events


def test_a_verified_quarter_refuses_an_edit_through_the_dpa_line_inline(as_bpkad, line, verified):
    tw1, tw2 = Realisasi.objects.filter(line=line).order_by("triwulan")
    data = {
        "tahun": YEAR,
        "opd": line.opd_id,
        "sub_kegiatan": line.sub_kegiatan_id,
        "account": line.account_id,
        "jenis": line.jenis,
        "pagu": line.pagu,
        "kas_tw1": line.kas_tw1,
        "kas_tw2": line.kas_tw2,
        "kas_tw3": line.kas_tw3,
        "kas_tw4": line.kas_tw4,
        "region": line.region_id,
        "realisasi-TOTAL_FORMS": "2",
        "realisasi-INITIAL_FORMS": "2",
        "realisasi-MIN_NUM_FORMS": "0",
        "realisasi-MAX_NUM_FORMS": "1000",
        "realisasi-0-id": tw1.pk,
        "realisasi-0-line": line.pk,
        "realisasi-0-triwulan": "1",
        "realisasi-0-jumlah": "1.00",  # TW I is verified
        "realisasi-1-id": tw2.pk,
        "realisasi-1-line": line.pk,
        "realisasi-1-triwulan": "2",
        "realisasi-1-jumlah": str(tw2.jumlah),
    }
    before, events = figures(), event_count()
    response = as_bpkad.post(f"/admin/budget/dpaline/{line.pk}/change/", data)
    assert response.status_code == 200
    assert LOCKED in page_text(response)
    assert figures() == before
    assert event_count() == events


def test_an_open_quarter_is_corrected_through_the_admin(as_bpkad, line, report):
    real = Realisasi.objects.get(line=line, triwulan=1)
    response = as_bpkad.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": line.pk, "triwulan": 1, "jumlah": "1100000.00"},
    )
    assert response.status_code == 302
    real.refresh_from_db()
    assert real.jumlah == D("1100000.00")


@pytest.mark.parametrize("how", ["change", "add"])
def test_a_belanja_realisasi_above_the_pagu_is_refused_in_the_admin(as_bpkad, line, how):
    # TW I 1.000.000 + TW II 500.000 already: 2.500.001 more in TW III would pass the pagu.
    before, events = figures(), event_count()
    if how == "change":
        real = Realisasi.objects.get(line=line, triwulan=2)
        url = f"/admin/budget/realisasi/{real.pk}/change/"
        data = {"line": line.pk, "triwulan": 2, "jumlah": "3000000.01"}
        total = D("4000000.01")
    else:
        url = "/admin/budget/realisasi/add/"
        data = {"line": line.pk, "triwulan": 3, "jumlah": "2500000.01"}
        total = D("4000000.01")
    response = as_bpkad.post(url, data)
    assert response.status_code == 200
    expected = id_text(
        "realisasi for the year would reach %(total)s, above the pagu of %(pagu)s",
        total=format_amount(total),
        pagu=format_amount(PAGU),
    )
    assert expected in page_text(response)
    assert figures() == before
    assert event_count() == events


def test_a_figure_cannot_be_moved_to_another_quarter_in_the_admin(as_bpkad, line):
    real = Realisasi.objects.get(line=line, triwulan=2)
    before = figures()
    response = as_bpkad.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": line.pk, "triwulan": 3, "jumlah": str(real.jumlah)},
    )
    assert response.status_code == 200
    assert "tidak dapat diubah" in page_text(response)
    assert figures() == before


def test_a_figure_cannot_be_added_to_a_verified_quarter_in_the_admin(
    as_bpkad, treasurer_opd, verified
):
    other = DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR)
    before = figures()
    response = as_bpkad.post(
        "/admin/budget/realisasi/add/", {"line": other.pk, "triwulan": 1, "jumlah": "5"}
    )
    assert response.status_code == 200
    assert LOCKED in page_text(response)
    assert figures() == before


# A correction in the admin is a write like any other -------------------------------------------


@pytest.mark.parametrize(
    ("how", "triwulan"),
    [
        ("change form", 1),  # TW I has a draft report
        ("add form", 3),  # TW III has no report and no figure yet
        ("DPA line inline", 2),  # TW II has a figure but no report
    ],
)
def test_an_admin_correction_makes_an_entry_page_opened_before_it_stale(
    as_bpkad, treasurer, line, report, how, triwulan
):
    page = Client()
    page.force_login(treasurer)
    opened = page.get(entry_url(line, triwulan)).context["version"]

    if how == "change form":
        real = Realisasi.objects.get(line=line, triwulan=triwulan)
        url = f"/admin/budget/realisasi/{real.pk}/change/"
        data = {"line": line.pk, "triwulan": triwulan, "jumlah": "1100000.00"}
    elif how == "add form":
        url = "/admin/budget/realisasi/add/"
        data = {"line": line.pk, "triwulan": triwulan, "jumlah": "1100000.00"}
    else:
        url = f"/admin/budget/dpaline/{line.pk}/change/"
        data = dpa_change_data(line, **{f"tw{triwulan}": "1100000.00"})
    assert as_bpkad.post(url, data).status_code == 302
    corrected = QuarterReport.objects.get(opd=line.opd, tahun=YEAR, triwulan=triwulan)
    assert corrected.version == opened + 1
    assert corrected.updated_by is not None
    assert corrected.updated_by.username == "verifikator"
    before = figures()

    response = page.post(
        entry_url(line, triwulan),
        {"action": "save", "version": str(opened), f"line-{line.pk}": "1", "kendala_catatan": ""},
    )

    assert response.status_code == 409
    message = [str(m) for m in response.context["messages"]][-1]
    assert message == id_text(
        "%(who)s saved this report after you opened the page; nothing of yours was "
        "saved. Reload the page to see their figures.",
        who="verifikator",
    )
    assert figures() == before
    assert Realisasi.objects.get(line=line, triwulan=triwulan).jumlah == D("1100000.00")


def test_an_admin_form_opened_before_the_treasurer_saved_the_quarter_is_refused(
    as_bpkad, treasurer, line, report
):
    real = Realisasi.objects.get(line=line, triwulan=1)
    url = f"/admin/budget/realisasi/{real.pk}/change/"
    html = as_bpkad.get(url).content.decode()
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None
    opened = int(found.group(1))
    assert opened == report.version
    realisasi_save(
        actor=actor_for(treasurer),
        opd=line.opd,
        tahun=YEAR,
        triwulan=1,
        amounts={line.pk: D("1200000.00")},
        version=opened,
    )
    before, events = figures(), event_count()

    response = as_bpkad.post(
        url, {"line": line.pk, "triwulan": 1, "jumlah": "1100000.00", "version": opened}
    )

    assert response.status_code == 200  # the form again, with the reason
    assert "bendahara_ini" in page_text(response)
    assert figures() == before
    assert event_count() == events


def test_a_figure_left_as_it_was_on_the_dpa_line_page_is_not_a_write(as_bpkad, line, report):
    # The line's page lists every quarter; saving it with TW I untouched neither needs TW I
    # open nor moves its version.
    data = dpa_change_data(line, tw2="600000.00", **{"realisasi-0-version": "0"})
    assert as_bpkad.post(f"/admin/budget/dpaline/{line.pk}/change/", data).status_code == 302
    assert QuarterReport.objects.get(triwulan=1).version == report.version
    assert Realisasi.objects.get(line=line, triwulan=2).jumlah == D("600000.00")


# The DPA line's pagu holds the import's rule ----------------------------------------------------


def pagu_change(line, pagu: str) -> dict:
    return dpa_change_data(line, pagu=pagu, kas_tw1=pagu, kas_tw2="0", kas_tw3="0", kas_tw4="0")


def test_the_dpa_admin_refuses_a_pagu_below_what_is_already_realised(as_bpkad, line):
    # TW I 1.000.000 + TW II 500.000 are realised on the line.
    before, events = list(DpaLine.objects.values()), event_count()
    response = as_bpkad.post(
        f"/admin/budget/dpaline/{line.pk}/change/", pagu_change(line, "1499999.99")
    )
    assert response.status_code == 200
    expected = id_text(
        "the new pagu %(pagu)s is below the %(done)s already realised on this line",
        pagu="Rp 1.499.999,99",
        done="Rp 1.500.000",
    )
    assert expected.startswith("pagu baru")  # in Indonesian, as the import says it
    assert response.context["adminform"].form.errors["pagu"] == [expected]
    assert list(DpaLine.objects.values()) == before
    assert event_count() == events


def test_the_dpa_admin_accepts_a_pagu_lowered_to_exactly_what_is_realised(as_bpkad, line):
    response = as_bpkad.post(
        f"/admin/budget/dpaline/{line.pk}/change/", pagu_change(line, "1500000.00")
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.pagu, line.pagu_murni) == (D("1500000.00"), PAGU)  # the murni pagu is kept


def test_the_dpa_admin_offers_every_field_an_import_writes_a_fund_source_too(as_bpkad, line):
    # The form's fields come from the import's column table, so a new DPA column is editable
    # here without a list of its own.
    data = dpa_change_data(line, sumber_dana="DAK Fisik")
    assert as_bpkad.post(f"/admin/budget/dpaline/{line.pk}/change/", data).status_code == 302
    line.refresh_from_db()
    assert line.sumber_dana == "DAK Fisik"
    listing = as_bpkad.get("/admin/budget/dpaline/?sumber_dana__exact=DAK+Fisik")
    assert listing.context["cl"].result_count == 1


def test_a_revenue_target_may_be_lowered_below_what_was_collected_in_the_admin(
    as_bpkad, treasurer_opd
):
    revenue = DpaLineFactory.create(
        region=treasurer_opd.region,
        opd=treasurer_opd,
        tahun=YEAR,
        pagu=PAGU,
        account=AccountFactory.create(region=treasurer_opd.region, kode="4.1.01.09.01.0001"),
    )
    RealisasiFactory.create(line=revenue, triwulan=1, jumlah=D("3000000.00"))
    response = as_bpkad.post(
        f"/admin/budget/dpaline/{revenue.pk}/change/", pagu_change(revenue, "1000000.00")
    )
    assert response.status_code == 302
    revenue.refresh_from_db()
    assert revenue.pagu == D("1000000.00")


def test_a_new_dpa_line_in_the_admin_starts_with_its_pagu_as_the_murni_pagu(
    as_bpkad, treasurer_opd
):
    template = DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR)
    data = {
        **dpa_change_data(template),
        "tahun": YEAR + 1,
        "realisasi-TOTAL_FORMS": "0",
        "realisasi-INITIAL_FORMS": "0",
    }
    response = as_bpkad.post("/admin/budget/dpaline/add/", data)
    assert response.status_code == 302
    new = DpaLine.objects.get(tahun=YEAR + 1)
    assert (new.jenis, new.pagu_murni, new.region_id) == (
        "belanja",
        template.pagu,
        treasurer_opd.region_id,
    )


# Numbers are typed with the digits 0-9 -----------------------------------------------------------

NOT_ASCII = "a digit other than 0-9"


@pytest.mark.parametrize("typed", ["１１０００００", "١١٠٠٠٠٠", "1.100.000,００"])
def test_the_realisasi_admin_refuses_an_amount_with_a_digit_other_than_0_to_9(
    as_bpkad, line, report, typed
):
    real = Realisasi.objects.get(line=line, triwulan=1)
    before = figures()
    response = as_bpkad.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": line.pk, "triwulan": 1, "jumlah": typed},
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["jumlah"]
    assert error == id_text(
        "%(raw)r contains %(char)r, " + NOT_ASCII + "; type it with the digits 0-9",
        raw=typed,
        char=next(c for c in typed if not c.isascii()),
    )
    assert figures() == before


@pytest.mark.parametrize(("field", "typed"), [("pagu", "４００００００"), ("tahun", "٢٠٢٤")])
def test_the_dpa_admin_refuses_a_number_with_a_digit_other_than_0_to_9(
    as_bpkad, line, field, typed
):
    before = list(DpaLine.objects.values())
    response = as_bpkad.post(
        f"/admin/budget/dpaline/{line.pk}/change/", dpa_change_data(line, **{field: typed})
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert list(DpaLine.objects.values()) == before


def test_the_realisasi_inline_refuses_a_digit_other_than_0_to_9(as_bpkad, line):
    before = figures()
    response = as_bpkad.post(
        f"/admin/budget/dpaline/{line.pk}/change/", dpa_change_data(line, tw1="１０００")
    )
    assert response.status_code == 200
    assert figures() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nip", "ok"),
    [
        ("19700101 199003 2 001", True),
        ("197001011990032001", True),
        ("", True),  # not set yet
        ("19700101 199003 2 00", False),  # 17 digits
        ("1970010119900320011", False),  # 19
        ("19700101-199003-2-001", False),
        ("١٩٧٠٠١٠١١٩٩٠٠٣٢٠٠١", False),  # Arabic-Indic digits are not a NIP
    ],
)
def test_the_signatorys_nip_has_eighteen_digits(nip, ok):
    region = Region(kode="99.99", nama="Kabupaten Uji", ttd_nip=nip)
    if ok:
        region.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            region.full_clean()
        assert "NIP terdiri atas 18 angka" in str(refused.value)
