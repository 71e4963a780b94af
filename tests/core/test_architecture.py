"""The house's rules, read from the code: imports run one way between domains, core depends on no domain, and the
sizes stay readable (docs/architecture.md)."""

import ast
from pathlib import Path

import coopnum

PACKAGE = Path(coopnum.__file__).parent
DOMAINS = coopnum.DOMAINS
RANK = {name: i for i, name in enumerate(DOMAINS)}
ROOT_MODULES = {"__init__", "cli", "demo", "bench", "config", "volume"}  # the composition root: may import any domain
ROOT_PACKAGES = {"volume", "bench"}  # packages of the composition root (the volume generator, the bench)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "translations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported(tree) -> set[str]:
    """Every coopnum module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("coopnum.")}


def _package(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _domain_of(module: str) -> str | None:
    part = module.split(".")[1] if module.count(".") else None
    return part if part in RANK else None


def test_every_domain_package_is_declared():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"core"} - ROOT_PACKAGES == set(DOMAINS)


def test_imports_run_one_way():
    """core imports no domain; a domain imports only core and the domains listed before it in coopnum.DOMAINS."""
    wrong = []
    for path, tree in _sources():
        here = _package(path)
        if here in ROOT_MODULES:
            continue
        for module in _imported(tree):
            there = _domain_of(module)
            if there is None or there == here:
                continue
            if here == "core" or RANK[there] > RANK[here]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert wrong == []


def test_core_declares_no_foreign_key_to_a_domain():
    from coopnum import import_models
    from coopnum.core import models as core_models
    from coopnum.core.db import metadata

    import_models()
    core_tables = {t.__table__.name for t in vars(core_models).values()
                   if isinstance(t, type) and hasattr(t, "__table__") and t.__module__ == core_models.__name__}
    wrong = []
    for name in core_tables:
        for fk in metadata.tables[name].foreign_keys:
            declared_in_core = fk.constraint.info.get("domain") is None
            if fk.column.table.name not in core_tables and declared_in_core:
                wrong.append(f"{name}.{fk.parent.name} → {fk.column.table.name}")
    assert wrong == []


def test_sizes():
    too_big = []
    for path, tree in _sources():
        rel = path.relative_to(PACKAGE.parent)
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{rel}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{rel}:{node.lineno} {node.name}(): {length} lines")
    assert too_big == []
