from axes.apps import AppConfig as _AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig as _TasksConfig
from pghistory.apps import PGHistoryConfig as _PGHistoryConfig


class DashboardConfig(AppConfig):
    # The app's own config: this module holds the third-party ones below too.
    default = True
    name = "dashboard"
    verbose_name = "Dasbor"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dashboard.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="serapan_idle_clock")


# Third-party apps under Indonesian headings in the admin (their labels, models and
# migrations unchanged: only the heading the admin shows).


class AxesConfig(_AxesConfig):
    verbose_name = _("Sign-in attempts")


class PGHistoryConfig(_PGHistoryConfig):
    verbose_name = _("Change history")


class TasksConfig(_TasksConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # lazy, as Django allows
