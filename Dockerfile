# The one image of the web app, the Celery worker and the scheduler (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

# Pango and a font for WeasyPrint, which lays out the situation brief's PDF (dashboards/brief.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The whole project (see .dockerignore): every app in INSTALLED_APPS, the report in fixtures/.
COPY . .
RUN pip install . \
    && useradd --create-home tracker \
    && mkdir -p /app/var /app/static \
    && chown -R tracker /app/var /app/static
USER tracker

EXPOSE 8000
# The slowest documented requests: a batch of 1,000 records (POST …/batch/, target 2 s, about
# 1 s measured at every scale: `python -m bench --only batch`), a 5,000-change page of the feed
# and a situation brief's PDF. A 60 s timeout leaves a slow or busy host 30 times the batch's
# target before a worker is killed (the default 30 s killed 1,000-record batches as a 500 when
# they were written one by one); threaded workers keep serving other requests meanwhile; a
# restart lets running requests finish (30 s).
CMD ["gunicorn", "tracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--worker-class", "gthread", "--threads", "4", "--timeout", "60", \
     "--graceful-timeout", "30", "--keep-alive", "5"]
