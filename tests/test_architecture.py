"""The house rules a reader relies on: stages use each other's public names only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matchmaker", "web")
MAX_MODULE_LINES = 600


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path) -> list[str]:
    """Underscored names this module takes from another project module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    found: list[str] = []
    imported: set[str] = set()  # local names bound to project modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                if _private(alias.name) and node.module != here:
                    found.append(f"{node.module}.{alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    imported.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_reaches_for_another_modules_private_names(path):
    assert private_uses(path) == []


def test_the_checker_sees_a_private_import(tmp_path):
    bad = ROOT / "matchmaker" / "_probe_for_architecture_test.py"
    bad.write_text("from matchmaker.matching import _score\nfrom matchmaker import cli\ncli._x\n")
    try:
        assert private_uses(bad) == ["matchmaker.matching._score", "cli._x"]
    finally:
        bad.unlink()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "matchmaker").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_each_core_module_reads_in_one_sitting(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it by concept"


def test_the_readme_layout_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("### Layout") :]
    missing = []
    for pkg_dir in sorted({p.parent for p in _modules()}):
        block_start = layout.find(f"- `{pkg_dir.relative_to(ROOT).as_posix()}/`")
        for module in sorted(pkg_dir.glob("*.py")):
            if module.name == "__init__.py":
                continue
            if block_start < 0 or f"`{module.stem}`" not in layout[block_start:]:
                missing.append(str(module.relative_to(ROOT)))
    assert missing == []
