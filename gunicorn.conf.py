"""gunicorn reads this file from the working directory: `make run` and `gunicorn wsgi:app`."""

# The access log never holds a firm's private edit link.
logger_class = "web.access_log.RedactingLogger"
