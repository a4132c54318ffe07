"""The code's layout holds: imports run one way, from the command line down
to the model, with no cycles, and no module grows past what one reader holds.

Each stage's place (lowest first) is STAGES below; the README's "How the code
is laid out" draws the same picture. A module may import from its own stage
or a lower one, never a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent / "generator"
MAX_LINES = 400

# Lowest first. A module belongs to the longest prefix that names it.
STAGES = [
    (
        "shared",
        ["generator.errors", "generator._version", "generator.resources", "generator.reading", "generator.tomlfile"],
    ),
    ("model", ["generator.document", "generator.integrity"]),
    ("definitions", ["generator.definitions"]),
    ("intake", ["generator.intake"]),
    ("compose", ["generator.compose"]),
    ("render", ["generator.render"]),
    ("verify", ["generator.verify"]),
    ("settings", ["generator.config"]),
    ("making", ["generator.api"]),
    ("records", ["generator.records"]),
    ("checks", ["generator.checkform"]),
    # The desk in a browser: pages over the same stages the commands use.
    ("serving", ["generator.serve"]),
    ("command", ["generator.cli", "generator.entry", "generator.__main__"]),
    # The package itself only names the public API, loaded on first use.
    ("package", ["generator"]),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(GENERATOR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> int:
    best, best_length = None, -1
    for number, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = number, len(prefix)
    assert best is not None, f"{module} is in no stage: add it to STAGES"
    return best


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The generator modules `path` imports (at module level only, if asked:
    an import inside a function is a deliberate deferred load)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports are for the type checker only
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "generator":
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (GENERATOR.parent / (candidate.replace(".", "/") + ".py")).exists() or (
                    GENERATOR.parent / candidate.replace(".", "/")
                ).is_dir():
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "generator")
    return found


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(GENERATOR.rglob("*.py"))}


def test_imports_run_from_the_command_down_to_the_model():
    upward = []
    for module, path in _modules().items():
        for imported in _imports(path, top_level_only=False):
            if imported == "generator" or imported == module:
                continue
            if _stage(imported) > _stage(module):
                upward.append(
                    f"{module} ({STAGES[_stage(module)][0]}) imports {imported} ({STAGES[_stage(imported)][0]})"
                )
    assert upward == []


def test_no_import_cycles():
    graph = {
        module: {
            name
            for name in _imports(path, top_level_only=True)
            if name in _modules() and name not in ("generator", module)
        }
        for module, path in _modules().items()
    }
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        for imported in sorted(graph.get(module, ())):
            if imported in trail:
                cycles.append(" -> ".join([*trail[trail.index(imported) :], imported]))
            elif imported not in done:
                visit(imported, [*trail, imported])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [module])
    assert cycles == []


def test_no_module_is_longer_than_a_reader_holds():
    long = {
        str(path.relative_to(GENERATOR.parent)): lines
        for path in GENERATOR.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_folder_says_what_it_owns_and_what_it_may_import():
    for init in GENERATOR.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc.split()) >= 30, f"{init.relative_to(GENERATOR.parent)}: a paragraph on what it owns"
        if init.parent != GENERATOR and init.parent.name != "labels":
            assert "import" in doc, f"{init.relative_to(GENERATOR.parent)} must say what it may import"
