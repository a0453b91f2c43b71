"""Shared fixtures: import files written into tmp_path and the Magelang reference region."""

from pathlib import Path

import pytest

from budget.models import Region
from tests.helpers import REFERENCE_DIR, ImportFiles, run_command


@pytest.fixture
def files(tmp_path) -> ImportFiles:
    """Writes CSV and XLSX import files into tmp_path: `files.csv(rows)`, `files.xlsx(rows)`."""
    return ImportFiles(tmp_path)


@pytest.fixture
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture
def magelang(db) -> Region:
    """The Magelang 2019 reference files imported through the commands, as an operator would."""
    run_command("import_dpa", REFERENCE_DIR / "magelang-2019-dpa.csv", no_progress=True)
    run_command("import_realisasi", REFERENCE_DIR / "magelang-2019-realisasi.csv", no_progress=True)
    return Region.objects.get()


# Roles. Each signed-in role is a user as `seed_demo` makes them (group and profile); a module
# that works on a region of its own overrides `treasurer_opd` and `other_opd` with OPDs of it.


def _role_user(username: str, group: str, *, region, opd=None, is_staff: bool = False):
    from django.contrib.auth.models import Group, User

    from budget.models import Profile

    user = User.objects.create_user(username, is_staff=is_staff)  # no password: force_login
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    Profile.objects.create(user=user, region=region, opd=opd)
    return user


@pytest.fixture
def treasurer_opd(db):
    from tests.factories import OpdFactory

    return OpdFactory()


@pytest.fixture
def other_opd(treasurer_opd):
    from tests.factories import OpdFactory

    return OpdFactory(region=treasurer_opd.region)


@pytest.fixture
def bpkad(treasurer_opd):
    """BPKAD verifier and admin: every OPD, every year."""
    from budget.demo import GROUP_BPKAD

    return _role_user("verifikator", GROUP_BPKAD, region=treasurer_opd.region, is_staff=True)


@pytest.fixture
def kepala_daerah(treasurer_opd):
    """Head of region: reads everything, changes nothing."""
    from budget.demo import GROUP_KEPALA_DAERAH

    return _role_user("bupati", GROUP_KEPALA_DAERAH, region=treasurer_opd.region)


@pytest.fixture
def treasurer(treasurer_opd):
    """Bendahara pengeluaran of `treasurer_opd`."""
    from budget.demo import GROUP_BENDAHARA

    return _role_user(
        "bendahara_ini", GROUP_BENDAHARA, region=treasurer_opd.region, opd=treasurer_opd
    )


@pytest.fixture
def other_treasurer(other_opd):
    """Bendahara pengeluaran of another OPD of the same region."""
    from budget.demo import GROUP_BENDAHARA

    return _role_user("bendahara_lain", GROUP_BENDAHARA, region=other_opd.region, opd=other_opd)


@pytest.fixture
def anonymous(client):
    """A browser that has not signed in."""
    return client
