"""gunicorn reads this file from the working directory: `make run` and `gunicorn wsgi:app`."""

import os

# The access log never holds a firm's private edit link.
logger_class = "web.access_log.RedactingLogger"


def post_fork(server, worker):
    """Each worker runs the sentence model with one intra-op thread (MATCHMAKER_TORCH_THREADS):
    the workers and their request threads already share the cores, and more threads per model
    call only make them wait on each other (and would escape the lower priority of the
    background embedding, which must run in its own thread)."""
    import torch

    torch.set_num_threads(int(os.environ.get("MATCHMAKER_TORCH_THREADS", "1")))
