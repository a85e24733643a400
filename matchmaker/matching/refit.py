"""A re-fit of a store's match index in a process of its own, at a lower CPU priority.

A re-fit reads and analyses every firm's texts again (seconds of CPU for a few hundred firms,
more with every firm). On a thread of the web worker it held the interpreter lock in turns
with the request threads of that worker, whatever its nice value, so each suggestion answered
meanwhile waited on it (bench/README.md, "Load"). Here a fresh Python process fits the index:
its nice value is `NICE_STEP` above the worker's (set before it imports anything, so every
thread it starts inherits it), so on a busy machine the cores go to the requests first and
the fit takes what is left; the worker only waits on the pipe the fitted index comes back
through. The drifted index serves meanwhile: it already holds every
firm (appended), so nothing goes missing, only the vocabulary and calibration are older.

The recipe (the index's settings and the process's configured defaults) goes to the child
on its standard input; the fitted, warmed index comes back pickled on its standard output,
with the score rows of the firms the worker was asked about (`kept_scores.prescored`), so
that the swap does not leave their next requests to score them afresh.
Nothing is written to disk, and a child whose worker went away stops at its first write.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# How much lower than the web workers a re-fit runs (nice steps, 0..19;
# MATCHMAKER_BACKGROUND_NICE, 0 to keep the normal priority).
NICE_STEP = int(os.environ.get("MATCHMAKER_BACKGROUND_NICE", "10"))

# Seconds a re-fit may take before its process is stopped (MATCHMAKER_REFIT_TIMEOUT).
TIMEOUT = float(os.environ.get("MATCHMAKER_REFIT_TIMEOUT", "3600"))

# The child, before it imports anything: its standard output kept for the pickle and
# everything printed sent to stderr instead; stopped when the thread that started it (the
# worker's, waiting on it) is gone (Linux); its priority lowered. All best effort.
_CHILD = (
    "import os, sys\n"
    "out = os.dup(1)\n"
    "os.dup2(2, 1)\n"
    "try:\n"
    "    import ctypes, signal\n"
    "    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))\n"  # PR_SET_PDEATHSIG
    "except Exception:\n"
    "    pass\n"
    "try:\n"
    "    os.setpriority(os.PRIO_PROCESS, 0,\n"
    "                   min(19, os.getpriority(os.PRIO_PROCESS, 0) + int(sys.argv[1])))\n"
    "except OSError:\n"
    "    pass\n"
    "from matchmaker.matching.refit import child_main\n"
    "sys.exit(child_main(out))\n"
)

# The directory `matchmaker` is imported from: the child imports the same code.
_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass
class Recipe:
    """What a child needs to fit the index a worker would fit itself."""

    store: str
    encoder: Any
    lexicon: Any
    scorer: Any
    refit_share: float
    model_name: str | None
    default_scorer: Any
    learn: bool
    # Firms whose complementary rows the worker keeps (`kept_scores.hot`): scored ahead.
    hot: tuple[int, ...] = ()


def fitted_elsewhere(recipe: Recipe, step: int | None = None):
    """The index `recipe` describes, fitted on the store as it is now by a child process
    `step` nice steps below this one (default `NICE_STEP`), caught up, ranked by the partner
    model the store asks for and warmed; with the complementary rows of the recipe's `hot`
    firms it holds scored ahead: (index, ids, rows) (`kept_scores.prescored`). Raises
    RuntimeError when the child fails (its error is in this process's log)."""
    step = NICE_STEP if step is None else step
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(p for p in (_SOURCE_ROOT, os.environ.get("PYTHONPATH")) if p),
        "TQDM_DISABLE": "1",
    }
    with tempfile.TemporaryFile() as errors:  # read after the pickle: a pipe could fill up
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(step)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env,
        )  # fmt: skip
        stop = threading.Timer(TIMEOUT, child.kill)  # a fit that hangs ends here
        stop.daemon = True
        stop.start()
        index = ids = rows = None
        try:
            try:
                child.stdin.write(pickle.dumps(recipe, protocol=pickle.HIGHEST_PROTOCOL))
                child.stdin.close()
                index, ids, rows = pickle.load(child.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:  # said in its stderr
                log.debug("the re-fit process gave no index: %s", exc)
            code = child.wait()
        finally:
            stop.cancel()
            if child.poll() is None:
                child.kill()
                child.wait()
        errors.seek(0)
        said = errors.read().decode("utf-8", "replace").strip()
    if index is None:
        raise RuntimeError(f"the re-fit process ended with {code}: {said[-2000:]}")
    if code != 0:  # the whole index came back: kept, the end logged
        log.warning("the re-fit process ended with %s after its index: %s", code, said[-2000:])
    elif said:
        log.debug("the re-fit process said: %s", said[-2000:])
    return index, ids, rows


def child_main(out_fd: int) -> int:
    """The child (run by `fitted_elsewhere`): read a recipe on stdin, fit, write the index
    to `out_fd` (its standard output, kept apart from what libraries print)."""
    out = os.fdopen(out_fd, "wb")
    recipe: Recipe = pickle.load(sys.stdin.buffer)

    from matchmaker.matching import index as match_index
    from matchmaker.matching import kept_scores
    from matchmaker.store import db as store_db

    match_index.configure(recipe.model_name, recipe.default_scorer, recipe.learn)
    conn = store_db.connect(recipe.store, migrate=False)
    try:
        fresh = match_index.MatchIndex(
            recipe.encoder, recipe.lexicon, recipe.scorer, recipe.refit_share
        )
        index = match_index.ranked_as_asked(conn, fresh.fit(conn).refreshed(conn)).warmed()
    finally:
        conn.close()
    index.fitted_by_ = {"pid": os.getpid(), "nice": os.getpriority(os.PRIO_PROCESS, 0)}
    ids = [cid for cid in recipe.hot if cid in index]
    try:
        rows = kept_scores.prescored(index, ids) if ids else None
    except Exception as exc:  # e.g. out of memory: the index stands without them
        print(f"the rows asked about were not scored ahead: {exc!r}", file=sys.stderr)
        ids, rows = [], None
    try:
        pickle.dump((index, ids, rows), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.close()
    except BrokenPipeError:  # the worker went away: nobody waits for this index
        return 1
    return 0
