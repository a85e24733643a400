"""gunicorn reads this file from the working directory: `make run` and `gunicorn wsgi:app`."""

import os

# The access log never holds a firm's private edit link.
logger_class = "web.access_log.RedactingLogger"

# One compute thread per model call (MATCHMAKER_TORCH_THREADS): the workers and their request
# threads already share the cores, and a second OpenMP/BLAS thread per call only spins while
# it waits for a core: on two busy cores a sentence-model call then took ~10x the CPU
# (300 instead of 30 ms). Set before the workers import numpy and torch; they inherit it.
_THREADS = os.environ.get("MATCHMAKER_TORCH_THREADS", "1")
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, _THREADS)


def post_fork(server, worker):
    """The worker's torch uses that many intra-op threads (a re-fit runs in a process of its
    own, `matchmaker.matching.refit`, which inherits the variables set above)."""
    import torch

    torch.set_num_threads(int(_THREADS))
