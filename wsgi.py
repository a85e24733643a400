"""Entry point for gunicorn: `gunicorn wsgi:app` serves the store MATCHMAKER_DB names."""

from web import create_app, schedule_retention, warm_up

app = create_app()
warm_up(app)
schedule_retention(app)
