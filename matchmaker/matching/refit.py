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
on its standard input; the fitted, warmed index comes back pickled on its standard output.
Nothing is written to disk, and a child whose worker went away stops at its first write.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# How much lower than the web workers a re-fit runs (nice steps, 0..19;
# MATCHMAKER_BACKGROUND_NICE, 0 to keep the normal priority).
NICE_STEP = int(os.environ.get("MATCHMAKER_BACKGROUND_NICE", "10"))

# The child: lower its priority first (best effort), then import and fit.
_CHILD = (
    "import os, sys\n"
    "try:\n"
    "    os.setpriority(os.PRIO_PROCESS, 0,\n"
    "                   min(19, os.getpriority(os.PRIO_PROCESS, 0) + int(sys.argv[1])))\n"
    "except OSError:\n"
    "    pass\n"
    "from matchmaker.matching.refit import child_main\n"
    "sys.exit(child_main())\n"
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


def fitted_elsewhere(recipe: Recipe, step: int | None = None):
    """The index `recipe` describes, fitted on the store as it is now by a child process
    `step` nice steps below this one (default `NICE_STEP`), caught up and warmed.
    Raises RuntimeError when the child fails (its error is in this process's log)."""
    step = NICE_STEP if step is None else step
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(p for p in (_SOURCE_ROOT, os.environ.get("PYTHONPATH")) if p),
        "TQDM_DISABLE": "1",
    }
    with tempfile.TemporaryFile() as errors:  # read after the pickle: a pipe could fill up
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(step)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            env=env, cwd=_SOURCE_ROOT,
        )  # fmt: skip
        try:
            child.stdin.write(pickle.dumps(recipe, protocol=pickle.HIGHEST_PROTOCOL))
            child.stdin.close()
            try:
                index = pickle.load(child.stdout)
            except (EOFError, pickle.UnpicklingError):
                index = None
            code = child.wait()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        errors.seek(0)
        said = errors.read().decode("utf-8", "replace").strip()
    if said and code == 0:
        log.debug("the re-fit process said: %s", said[-2000:])
    if index is None or code != 0:
        raise RuntimeError(f"the re-fit process ended with {code}: {said[-2000:]}")
    return index


def child_main() -> int:
    """The child (run by `fitted_elsewhere`): read a recipe on stdin, fit, write the index
    to stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the libraries print goes to stderr, not into the pickle
    recipe: Recipe = pickle.load(sys.stdin.buffer)

    from matchmaker.matching import index as match_index
    from matchmaker.store import db as store_db

    match_index.configure(recipe.model_name, recipe.default_scorer, recipe.learn)
    conn = store_db.connect(recipe.store, migrate=False)
    try:
        fresh = match_index.MatchIndex(
            recipe.encoder, recipe.lexicon, recipe.scorer, recipe.refit_share
        )
        index = fresh.fit(conn).refreshed(conn).warmed()
    finally:
        conn.close()
    index.fitted_by_ = {"pid": os.getpid(), "nice": os.getpriority(os.PRIO_PROCESS, 0)}
    try:
        pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.close()
    except BrokenPipeError:  # the worker went away: nobody waits for this index
        return 1
    return 0
