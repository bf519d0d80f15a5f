"""The Celery application of the SPRO hub.

Configuration comes from Django settings (CELERY_* names); the periodic schedule is declared in
`CELERY_BEAT_SCHEDULE` so that it lives in code, reviewed like the rest.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spro.settings")

app = Celery("spro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["spro"])  # spro is not an installed app; its tasks.py holds `ping`.


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender, **kwargs):
    # The file-system transport expects its folders to exist before the first message.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
    # So does the file-system result backend, for its folder.
    backend = sender.conf.result_backend or ""
    if backend.startswith("file://"):
        os.makedirs(backend.removeprefix("file://"), exist_ok=True)
