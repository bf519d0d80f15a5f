# Load the Celery app when Django starts so that @shared_task uses it.
from .celery import app as celery_app
from .converters import register as _register_converters

# <year:…> and <month:…> in every app's URLs, registered before any URL module is read.
_register_converters()

__all__ = ("celery_app",)
