from django.contrib import admin

from jobs.models import Job

FILES = ("upload", "output")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """What the worker did and for whom: for following up a failed job. Read-only; the files
    (the upload, the report) are not shown."""

    list_display = ("created_at", "kind", "user", "state", "phase", "done", "total")
    list_filter = ("kind", "state")
    search_fields = ("user__username", "message")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    exclude = FILES
    readonly_fields = [f.name for f in Job._meta.get_fields() if f.concrete and f.name not in FILES]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
