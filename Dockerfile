# Production image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles
WORKDIR /app
# Pango and the Noto CJK fonts: the PDF documents (WeasyPrint, issue 10).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . && useradd --create-home --uid 1000 heating
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 && mkdir -p /app/var/media && chown -R heating /app/var
# /app/var/media exists in the image owned by heating, so the compose `media` volume (shared by web, which
# serves the stored documents, and the worker, which renders them) starts writable by that user.
USER heating
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "--no-control-socket"]
