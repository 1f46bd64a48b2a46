"""The layering, checked over the imports: which layer may import which, no import cycles, and
the offline commands (`verify`, `reshape`, `status`, `site`) never reach aiohttp or the pipeline.

Every import counts, whether at the top of a module, inside a function (a lazy import runs
when the function does) or under `if TYPE_CHECKING:` (a dependency all the same); only the
offline check leaves the last out, since it never runs. A known exception (KNOWN) is excused
only where it is imported inside a function: at the top of its module it is an error. A module
added to flickr_async/ gets its place in LEVELS below, or this test says where it is missing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flickr_async"

# Top to bottom: a module may import its own group and any group of a lower level; never a
# group above it, nor another group of its own level (the groups of a level are independent).
# Names are relative to flickr_async; a package ("cli", "site") covers its submodules.
LEVELS: tuple[dict[str, tuple[str, ...]], ...] = (
    # The command line, and its terminal rendering.
    {"cli": ("cli", "__main__", "progress")},
    # What a command runs: a backup or an import; the site; the commands that need no network.
    {
        "pipeline": ("pipeline", "import_pipeline", "runrecord"),
        "site": ("site",),
        "offline": ("verify", "mend", "reshape", "reshapecheck"),
    },
    # The stages and the messages they pass.
    {
        "stages": (
            "jobs",
            "producer",
            "decision",
            "listing",
            "changes",
            "metadata_fetcher",
            "listing_completer",
            "info_backfill",
            "organisation",
            "favorites",
            "downloader",
            "thumbnails",
            "writer",
            "importer",
        )
    },
    # The archive on disk; the sources it is filled from (the Flickr client, the data export).
    {
        "archive": (
            "archive",
            "embed",
            "state",
            "runlock",
            "owneronly",
            "confine",
            "fsutil",
            "archive_owner",
            "rebuild",
        ),
        "sources": ("api", "auth", "bounded", "ratelimit", "retry", "export_files"),
    },
    # Settings, built once and passed down.
    {"configuration": ("settings", "config", "tokenfile")},
    # Pure formats: bytes and documents from typed records, no I/O.
    {
        "formats": (
            "layout",
            "names",
            "sidecar",
            "account_files",
            "embedded_meta",
            "exif",
            "xmp",
            "plaintext",
            "linearhtml",
            "export_names",
            "export_records",
        )
    },
    # The typed records and the errors everything else uses ("flickr_async": its __version__).
    {
        "base": (
            "flickr_async",
            "models",
            "account_records",
            "edge",
            "errors",
            "sane",
            "plural",
            "choices",
        )
    },
)

# What the offline commands are made of: none of them may reach, through any chain of runtime
# imports, a network library or a module of the groups that run a backup.
OFFLINE_COMMANDS = ("cli.archive", "cli.reshape", "cli.site", "verify", "mend", "reshape", "site")
NETWORK_LIBRARIES = ("aiohttp", "authlib")
NOT_OFFLINE = ("pipeline", "stages")

# Imports that break a rule on purpose, each with its reason. Delete an entry once its import
# is gone: this test says when one no longer exists.
KNOWN: dict[tuple[str, str], str] = {
    # `verify --repair` fetches again what it cannot mend on disk by running a backup: the one
    # way from an offline command to the network, taken only with --repair (imported inside
    # that branch: the exception covers no import at the top of cli/archive.py).
    ("cli.archive", "cli.backup"): "verify --repair runs a backup",
}


@dataclass(frozen=True)
class Import:
    importer: str  # relative module names, as in LEVELS
    imported: str  # a flickr_async module, or the top-level name of an outside package
    line: int
    runs: bool  # False under `if TYPE_CHECKING:`
    lazy: bool  # inside a function: runs only when the function does

    @property
    def excused(self) -> bool:
        """A known exception, imported where the exception allows (inside a function)."""
        return self.lazy and (self.importer, self.imported) in KNOWN


def relative(module: str) -> str:
    return "flickr_async" if module == "flickr_async" else module.removeprefix("flickr_async.")


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[relative(".".join(parts))] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[Import]:
    package = ("flickr_async." + name if name != "flickr_async" else name).split(".")
    if path.name != "__init__.py":
        package = package[:-1]

    def targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
            return
        base = node.module or ""
        if node.level:
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        for alias in node.names:  # `from flickr_async import sidecar` imports a module
            yield f"{base}.{alias.name}"

    def visit(node: ast.AST, runs: bool, lazy: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in targets(child):
                    if target.split(".")[0] != "flickr_async":
                        yield Import(name, target.split(".")[0], child.lineno, runs, lazy)
                        continue
                    module = target
                    while relative(module) not in known:  # a name from a module
                        module = module.rpartition(".")[0]
                    if relative(module) != name:
                        yield Import(name, relative(module), child.lineno, runs, lazy)
            typing_only = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from visit(child, runs and not typing_only, lazy or function)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), True, False)


@cache
def import_graph() -> tuple[Import, ...]:
    found = modules()
    return tuple(i for name, path in found.items() for i in imports_of(name, path, set(found)))


def internal(graph: tuple[Import, ...]) -> list[Import]:
    return [i for i in graph if i.imported in modules()]


def place(module: str) -> tuple[int, str] | None:
    """(level, group) of a module; the longest entry wins (`cli.x` before `cli`)."""
    best: tuple[int, int, str] | None = None
    for level, groups in enumerate(LEVELS):
        for group, entries in groups.items():
            for entry in entries:
                if (module == entry or module.startswith(entry + ".")) and (
                    best is None or len(entry) > best[0]
                ):
                    best = (len(entry), level, group)
    return None if best is None else (best[1], best[2])


def test_every_module_has_a_place_in_the_layers() -> None:
    missing = [name for name in modules() if place(name) is None]
    assert not missing, f"add each of these modules to LEVELS in {__file__}: {missing}"


def test_no_module_imports_a_layer_above_it_or_a_sibling_group() -> None:
    wrong: list[str] = []
    for i in internal(import_graph()):
        if i.excused:
            continue
        importer, imported = place(i.importer), place(i.imported)
        if importer is None or imported is None:
            continue  # test_every_module_has_a_place_in_the_layers names it
        if imported[0] < importer[0] or (imported[0] == importer[0] and imported != importer):
            wrong.append(
                f"flickr_async.{i.importer} (line {i.line}) imports flickr_async.{i.imported}: "
                f"{importer[1]!r} may not import {imported[1]!r}"
            )
    assert not wrong, "forbidden imports:\n" + "\n".join(dict.fromkeys(wrong))


def test_there_are_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {}
    for i in internal(import_graph()):
        if not i.excused:
            edges.setdefault(i.importer, set()).add(i.imported)
    cycles: list[str] = []
    for start in sorted(edges):
        # The shortest way back to `start`, breadth first; each cycle is reported once, from
        # its smallest module.
        paths = {start: [start]}
        queue = [start]
        while queue:
            current = queue.pop(0)
            for nxt in sorted(edges.get(current, ())):
                if nxt == start:
                    cycle = [*paths[current], start]
                    if min(cycle) == start:
                        cycles.append(" -> ".join(f"flickr_async.{m}" for m in cycle))
                    queue.clear()
                    break
                if nxt not in paths:
                    paths[nxt] = [*paths[current], nxt]
                    queue.append(nxt)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def offline_breaches(graph: list[Import], roots: list[str], suffix: str = "") -> list[str]:
    """Each import that brings the network or the pipeline within reach of `roots`, walking
    `graph` breadth first: the chain of modules that leads to it, its line, what it imports."""
    found = modules()
    chains = {root: [root] for root in roots}
    queue = list(chains)
    wrong: list[str] = []
    while queue:
        current = queue.pop(0)
        for i in (i for i in graph if i.importer == current):
            chain = " -> ".join(f"flickr_async.{m}" for m in chains[current])
            group = place(i.imported)
            if i.imported in NETWORK_LIBRARIES or (group and group[1] in NOT_OFFLINE):
                name = i.imported if i.imported not in found else f"flickr_async.{i.imported}"
                wrong.append(f"{chain} (line {i.line}) imports {name}{suffix}")
            elif i.imported in found and i.imported not in chains:
                chains[i.imported] = [*chains[current], i.imported]
                queue.append(i.imported)
    return list(dict.fromkeys(wrong))


def test_the_offline_commands_reach_neither_the_network_nor_the_pipeline() -> None:
    graph = [i for i in import_graph() if i.runs and not i.excused]
    roots = list(OFFLINE_COMMANDS)
    for root in OFFLINE_COMMANDS:  # a package brings its submodules
        roots += [m for m in modules() if m.startswith(root + ".")]
    wrong = offline_breaches(graph, roots)
    assert not wrong, "the offline commands must stay offline:\n" + "\n".join(wrong)


def test_starting_the_cli_reaches_neither_the_network_nor_the_pipeline() -> None:
    # Every command starts by importing the whole `cli` package (it registers them all), so
    # what a command module imports at its top, even one an offline command never calls,
    # loads with `verify` too: only imports inside functions may reach the backup.
    graph = [i for i in import_graph() if i.runs and not i.lazy]
    wrong = offline_breaches(graph, ["cli"], suffix=" at its top")
    assert not wrong, "the CLI's start must stay offline:\n" + "\n".join(wrong)


def test_each_known_exception_is_still_an_import() -> None:
    present = {(i.importer, i.imported) for i in internal(import_graph()) if i.lazy}
    stale = [f"{a} -> {b}" for (a, b) in KNOWN if (a, b) not in present]
    assert not stale, f"no longer imported: delete from KNOWN in {__file__}: {stale}"


def test_the_table_names_only_modules_that_exist() -> None:
    found = modules()
    named = [e for groups in LEVELS for entries in groups.values() for e in entries]
    named += [m for edge in KNOWN for m in edge] + list(OFFLINE_COMMANDS)
    gone = sorted({e for e in named if e not in found})
    assert not gone, f"named in {__file__} but not in flickr_async/: {gone}"
