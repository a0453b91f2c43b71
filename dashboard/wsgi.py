import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
# Serving pages: the settings refuse to start without SECRET_KEY when DEBUG is off.
os.environ["SERAPAN_WSGI"] = "1"

application = get_wsgi_application()
