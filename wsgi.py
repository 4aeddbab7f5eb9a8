"""Entry point for gunicorn: `gunicorn wsgi:app` (the app is built in each worker, after fork)."""

from service import create_app

app = create_app()
