# The SPRO hub in production: gunicorn serves Django, WhiteNoise serves the static files.
# The same image runs the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=spro.settings \
    SPRO_DATA_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# WeasyPrint (PDF reports) needs Pango and HarfBuzz, and fonts to draw the text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 spro \
    && useradd --system --uid 1000 --gid spro --home-dir /app --shell /usr/sbin/nologin spro

WORKDIR /app

# Dependencies first, in their own layer: they change less often than the code.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected at build time; the values below exist only for this step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var /app/media \
    && chown spro:spro /app/var /app/media

USER spro

EXPOSE 8000

CMD ["gunicorn", "spro.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
