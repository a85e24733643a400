"""Settings read from the environment, with the defaults a fresh checkout runs on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
MODELS_DIR = REPO_ROOT / "models"
DEFAULT_DB = REPO_ROOT / "instance" / "matchmaker.sqlite3"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    """What a deployment may change; read once per process by `Settings.from_env()`."""

    db_path: Path = DEFAULT_DB
    # A sentence-transformers model name or folder; the default is the bundled MiniLM.
    model_name: str = DEFAULT_MODEL
    # How many stored network proposals a firm may sit in at once.
    max_proposals_per_firm: int = 2
    # Chat conversations, the change log and the export log older than this are purged
    # (`python -m matchmaker purge`, and daily by a running server); 0 keeps them for ever.
    retention_days: int = 365
    # Rank partners with the partner model re-fitted on the store's own decisions
    # (`python -m matchmaker refit-matcher`); the global model stays the floor.
    learn: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db_path=Path(os.environ.get("MATCHMAKER_DB") or DEFAULT_DB),
            model_name=os.environ.get("MATCHMAKER_MODEL") or DEFAULT_MODEL,
            max_proposals_per_firm=_int_env("MATCHMAKER_MAX_PROPOSALS_PER_FIRM", 2),
            retention_days=_int_env("MATCHMAKER_RETENTION_DAYS", 365),
            learn=os.environ.get("MATCHMAKER_LEARN", "0") == "1",
        )
