from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dasbor"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dashboard.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="serapan_idle_clock")
