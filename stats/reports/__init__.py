"""The yearly activity reports (bilans d'activité): the top layer, reading every app below.

- models.py: runs, stored PDF files with their versions, the site coordinator's narrative;
- services.py: every write (start a run, build and store one document, record outcomes, narrative);
- tasks.py: the Celery tasks, one per site then the regional report (see services for the design);
- documents.py (+ figures.py, charts.py, templates pdf/): the documents themselves, laid out by WeasyPrint;
- views.py, urls.py, api.py, rules.py: the pages, the API (`read:reports`) and who may do what.
"""
