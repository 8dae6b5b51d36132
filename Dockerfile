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
CMD ["gunicorn", "tracker.wsgi:application", "--bind", "0.0.0.0:8000"]
