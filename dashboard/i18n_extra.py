"""Strings of third-party packages that our Indonesian catalogue translates.

django-tables2 ships no Indonesian catalogue, yet its table template prints "previous" and
"next" under every paginated table on our pages (and its LazyPaginator raises the three
messages below). Our `locale/id` catalogue comes first in LOCALE_PATHS, so it can translate
them, but `makemessages` only keeps the msgids it finds in our own source and would drop
these on its next run. Marking them here with gettext_noop keeps them in
`locale/id/LC_MESSAGES/django.po`. Nothing imports this module; it only has to exist.

When django-tables2 changes its wording, copy the new msgids here from
`django_tables2/templates/django_tables2/table.html` and `django_tables2/paginators.py`.
"""

from django.utils.translation import gettext_noop

DJANGO_TABLES2_STRINGS = (
    # django_tables2/templates/django_tables2/table.html: {% trans 'previous' %}, {% trans 'next' %}
    gettext_noop("previous"),
    gettext_noop("next"),
    # django_tables2/paginators.py (LazyPaginator)
    gettext_noop("That page number is not an integer"),
    gettext_noop("That page number is less than 1"),
    gettext_noop("That page contains no results"),
)
