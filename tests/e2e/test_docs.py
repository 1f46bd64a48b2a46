"""The docs say what the program does: every command line shown parses, every option is
documented, the console examples run against the fake Flickr, the module map names every
module, and the links between the docs resolve (docs/development.md, "Docs that cannot go
stale")."""

from __future__ import annotations

import glob
import itertools
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer

from flickr_async.choices import LAYOUTS, LINK_MODES, METADATA_ALIASES, METADATA_LEVELS
from flickr_async.cli import app
from flickr_async.settings import ENV_CONFIG
from tests.e2e.helpers import ROOT, run_cli
from tests.fakeexport import write_export
from tests.fakeflickr import FakeFlickr
from tests.unit import test_layering as layering

DOCS_DIR = ROOT / "docs"
DOCS = [ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))]
PACKAGE = ROOT / "flickr_async"

# A fenced block, possibly indented (inside a list item): its indent, language and text.
FENCE = re.compile(r"^( *)```(\w*)[^\n]*\n(.*?)^\1```", re.M | re.S)
SHELL_BLOCKS = {"", "sh", "bash", "console", "cron"}
INLINE_COMMAND = re.compile(r"`((?:[\w./~-]*/)?flickr-async [^`]*)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SHELL_STOPS = {"|", "||", "&&", ";", ">", ">>", "2>&1"}
# The values the options that take one of a few words accept (flickr_async/choices.py).
CHOICES = {
    "--layout": set(LAYOUTS),
    "--links": set(LINK_MODES),
    "--metadata": {*METADATA_LEVELS, *METADATA_ALIASES},
}
# Options deliberately left out of docs/commands.md: none.
UNDOCUMENTED: set[tuple[str, str]] = set()
# Inline code that is another program's command line: its options are that program's.
OTHER_PROGRAMS = ("immich ", "immich-go ", "osxphotos ")
# Where the `name.py` files the docs mention live.
SOURCE_DIRS = ("flickr_async", "tests", "bench", "tools")
# The module map's sections, in the order of test_layering's LEVELS, each with its group there.
MAP_SECTIONS = {
    "Command line": "cli",
    "Runs": "pipeline",
    "The site": "site",
    "Offline commands": "offline",
    "Stages": "stages",
    "Archive": "archive",
    "Sources": "sources",
    "Configuration": "configuration",
    "Pure formats": "formats",
    "Base": "base",
}
# What the console examples run with: the fake has no quota to protect.
RIG_CONFIG = "api-rate = 1000\nmax-retry-wait = 0.05\n"
# A console example that names this folder finds the fake account's data export in it.
EXPORT_FOLDER = "Downloads"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def blocks(path: Path) -> list[tuple[str, str]]:
    """(language, text) of each fenced block of a file, dedented."""
    found = []
    for m in FENCE.finditer(text(path)):
        indent = len(m.group(1))
        body = "\n".join(line[indent:] for line in m.group(3).splitlines())
        found.append((m.group(2), body))
    return found


def prose(path: Path) -> str:
    """A file without its fenced blocks."""
    return FENCE.sub("", text(path))


def root_command() -> Any:
    return typer.main.get_command(app)


def command_args(line: str) -> list[str] | None:
    """The words after `flickr-async` in a shell line (None when it runs something else)."""
    line = line.removeprefix("$ ")
    if "flickr-async" not in line:
        return None
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise AssertionError(f"{line!r}: {exc}") from None
    for i, word in enumerate(words):
        if word == "flickr-async" or word.endswith("/flickr-async"):
            args = words[i + 1 :]
            for j, arg in enumerate(args):
                if arg in SHELL_STOPS:
                    return args[:j]
            return args
    return None


@dataclass
class Shown:
    where: str
    args: list[str] = field(default_factory=list)


def shown_commands() -> list[Shown]:
    """Every flickr-async command line of the docs: in shell blocks, and in inline code."""
    shown = []
    for path in DOCS:
        name = path.relative_to(ROOT).as_posix()
        for language, body in blocks(path):
            if language not in SHELL_BLOCKS:
                continue
            for line in body.splitlines():
                if language == "console" and not line.startswith("$ "):
                    continue  # output
                args = command_args(line)
                if args is not None:
                    shown.append(Shown(f"{name}: {line.strip()}", args))
        for m in INLINE_COMMAND.finditer(prose(path)):
            args = command_args(m.group(1))
            assert args is not None
            shown.append(Shown(f"{name}: `{m.group(1)}`", args))
    return shown


def parse_problem(args: list[str]) -> str | None:
    """Why `flickr-async ARGS` would not parse (a command or option that does not exist, an
    option value the docs do not promise, too many arguments), or None."""
    root = root_command()
    if not args or args[0].startswith("-"):
        unknown = [a for a in args if a not in ("--version", "--help")]
        return f"not an option of flickr-async: {unknown}" if unknown else None
    name, *rest = args
    if name not in root.commands:
        return f"no command {name!r}"
    command = root.commands[name]
    parser = command.make_parser(command.context_class(command, info_name=name))
    try:
        _, extra, _ = parser.parse_args(list(rest))
    except Exception as exc:  # click's NoSuchOption, BadOptionUsage...: the message says
        return f"{type(exc).__name__}: {exc}"
    if extra:
        return f"too many arguments: {extra}"
    pairs = [tuple(a.split("=", 1)) for a in rest if a.startswith("--") and "=" in a]
    for option, value in [*itertools.pairwise(rest), *pairs]:
        choices = CHOICES.get(option)
        placeholder = value.isupper() or value.startswith("<")
        if choices and not placeholder and value not in choices:
            return f"{option} {value}: not one of {sorted(choices)}"
    return None


# --- (a) every command shown exists, with the options it uses ------------------------------


def test_the_docs_show_commands() -> None:
    shown = shown_commands()
    assert len(shown) > 30
    assert {s.args[0] for s in shown if s.args} >= {"backup", "verify", "reshape", "site"}


@pytest.mark.parametrize("shown", shown_commands(), ids=lambda s: s.where[:90])
def test_every_command_line_in_the_docs_parses(shown: Shown) -> None:
    problem = parse_problem(shown.args)
    assert problem is None, f"{shown.where}: {problem}"


@pytest.mark.parametrize(
    "args",
    [
        ["backup", "OUT", "--layuot", "date"],
        ["reshape", "OUT", "--dry-run"],
        ["backup", "OUT", "--layout", "dates"],
        ["reshape", "OUT", "--links=hardlinks"],
        ["frobnicate", "OUT"],
        ["status", "OUT", "OTHER"],
    ],
)
def test_a_command_line_that_would_not_parse_is_caught(args: list[str]) -> None:
    assert parse_problem(args) is not None


def table_commands() -> list[Shown]:
    """The first column of docs/commands.md's command table as command lines: an optional
    part (`[--quick]`) is kept, `PATH...` is one path, and an option on its own (`--all-profiles`,
    the row's "(or `--profile NAME`)") goes with the row's command."""
    doc = text(DOCS_DIR / "commands.md")
    table = doc.split("| command | what it does |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    shown = []
    for row in table.splitlines():
        codes = re.findall(r"`([^`]+)`", row.removeprefix("| ").split(" | ", 1)[0])
        assert codes, f"docs/commands.md: no command in {row!r}"
        name = codes[0].split()[0]
        for code in codes:
            words = re.sub(r"[][]", " ", code).replace("...", "").split()
            shown.append(
                Shown(f"docs/commands.md: `{code}`", [name] * (words[0][0] == "-") + words)
            )
    return shown


def test_the_command_table_has_a_row_for_every_command() -> None:
    assert {s.args[0] for s in table_commands()} == set(root_command().commands)


@pytest.mark.parametrize("shown", table_commands(), ids=lambda s: s.where[:90])
def test_every_command_line_of_the_command_table_parses(shown: Shown) -> None:
    problem = parse_problem(shown.args)
    assert problem is None, f"{shown.where}: {problem}"


def all_options() -> set[str]:
    """Every long option of flickr-async and of its commands."""
    root = root_command()
    found = {"--help", *(opt for param in root.params for opt in param.opts)}
    for command in root.commands.values():
        for param in command.params:
            found.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
    return found


def prose_options() -> list[tuple[str, str]]:
    """(file, option) for every `--option` inside the inline code of the docs' prose."""
    found = []
    for path in DOCS:
        for span in re.findall(r"`([^`\n]+)`", prose(path)):
            if not span.startswith(OTHER_PROGRAMS):
                found += [(path.name, o) for o in re.findall(r"(?<![\w-])--[a-z][\w-]*", span)]
    return found


def test_every_option_the_docs_name_is_an_option_of_some_command() -> None:
    named = prose_options()
    assert len(named) > 100
    options = all_options()
    unknown = sorted({f"{where}: {option}" for where, option in named if option not in options})
    assert not unknown, "options no command has"


PY_NAME = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*\w+\.py)\b")


def test_every_python_file_the_docs_name_exists() -> None:
    files = {p.relative_to(ROOT).as_posix() for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py")}
    named = {(path.name, name) for path in DOCS for name in PY_NAME.findall(text(path))}
    assert len(named) > 50
    gone = sorted(
        f"{where}: {name}"
        for where, name in named
        if not any(f == name or f.endswith("/" + name) for f in files)
    )
    assert not gone, f"files in none of {SOURCE_DIRS}"


def command_sections() -> dict[str, str]:
    """docs/commands.md cut at its `## `flickr-async NAME`` headings."""
    sections = {}
    parts = re.split(r"^## `flickr-async (\w+)`\n", text(DOCS_DIR / "commands.md"), flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[name] = body.split("\n## ", 1)[0]
    return sections


def names_option(section: str, option: str) -> bool:
    return re.search(re.escape(option) + r"(?![\w-])", section) is not None


def test_every_option_of_every_command_is_documented_in_its_section() -> None:
    root = root_command()
    sections = command_sections()
    assert set(sections) == set(root.commands), "docs/commands.md: one section per command"
    whole = text(DOCS_DIR / "commands.md")
    missing = []
    for name, command in root.commands.items():
        for param in command.params:
            if param.param_type_name != "option":
                continue
            for option in (*param.opts, *param.secondary_opts):
                if (name, option) in UNDOCUMENTED:
                    continue
                long_form = option.startswith("--")
                if not names_option(sections[name] if long_form else whole, option):
                    missing.append(f"{name} {option}")
    for param in root.params:
        missing += [opt for opt in param.opts if not names_option(whole, opt)]
    assert not missing, f"options docs/commands.md does not name: {missing}"


# --- (b) the console examples run against the fake Flickr ----------------------------------


@dataclass
class Step:
    line: str
    exit_code: int
    expected: list[str]
    silent: bool = False  # `# prints nothing`: no output at all


def console_blocks() -> list[tuple[str, list[Step]]]:
    found = []
    for path in DOCS:
        runnable = [body for language, body in blocks(path) if language == "console"]
        for i, body in enumerate(runnable, 1):
            steps: list[Step] = []
            for line in body.splitlines():
                if line.startswith("$ "):
                    code = re.search(r"#\s*exit (\d+)\s*$", line)
                    silent = re.search(r"#\s*prints nothing\s*$", line) is not None
                    steps.append(Step(line[2:], int(code.group(1)) if code else 0, [], silent))
                elif line.strip():
                    assert steps, f"{path.name}: output before any command"
                    steps[-1].expected.append(line.rstrip())
            found.append((f"{path.relative_to(ROOT).as_posix()}#{i}", steps))
    return found


def shows(output: str, expected: str) -> bool:
    """Whether a line of output matches a documented one, where `...` stands for anything."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.search(pattern, output, re.M) is not None


def expand(args: list[str]) -> list[str]:
    """The shell's globbing: a word with `*` becomes the names it matches, sorted."""
    return [name for arg in args for name in (sorted(glob.glob(arg)) if "*" in arg else [arg])]


def run_step(step: Step, env: dict[str, str]) -> tuple[int, str]:
    words = shlex.split(step.line, comments=True)
    if words[0] == "rm":
        for name in words[1:]:
            Path(name).unlink()
        return 0, ""
    args = command_args(step.line)
    assert words[0] == "flickr-async" and args is not None, f"cannot run: {step.line}"
    result = run_cli(env, *expand(args))
    return result.code, result.stdout + result.stderr


def test_the_docs_have_console_examples_of_the_offline_commands() -> None:
    ran = {
        command_args(step.line)[0]  # type: ignore[index]
        for _, steps in console_blocks()
        for step in steps
        if step.line.startswith("flickr-async ")
    }
    assert ran >= {"backup", "status", "verify", "reshape", "site"}


@pytest.mark.parametrize(
    ("where", "steps"), [pytest.param(w, s, id=w) for w, s in console_blocks()]
)
def test_every_console_example_runs_against_the_fake_as_shown(
    where: str,
    steps: list[Step],
    fake: FakeFlickr,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "rig.toml"
    config.write_text(RIG_CONFIG, encoding="utf-8")
    env = {**env, ENV_CONFIG: str(config)}
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    if any(EXPORT_FOLDER in step.line for step in steps):
        write_export(fake.library, work / EXPORT_FOLDER)  # the account's "Your Flickr Data"
    for step in steps:
        code, output = run_step(step, env)
        assert code == step.exit_code, f"{where}: `{step.line}` exited {code}:\n{output}"
        assert not (step.silent and output), f"{where}: `{step.line}` printed:\n{output}"
        for expected in step.expected:
            assert shows(output, expected), (
                f"{where}: `{step.line}` did not print {expected!r}:\n{output}"
            )


# --- (c) the module map names every module ------------------------------------------------


def test_the_module_map_lists_exactly_the_modules_of_the_package() -> None:
    doc = text(DOCS_DIR / "architecture.md")
    section = doc.split("\n## Module map\n", 1)[1].split("\n## ", 1)[0]
    mapped = re.findall(r"^\| `([\w/]+\.py)` \|", section, re.M)
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert len(mapped) == len(set(mapped)), "a module listed twice"
    assert sorted(modules - set(mapped)) == [], "modules docs/architecture.md does not map"
    assert sorted(set(mapped) - modules) == [], "mapped modules that are gone"


def module_name(file: str) -> str:
    """A module map's `cli/backup.py` as test_layering names it: `cli.backup`."""
    parts = file.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "flickr_async"


def test_the_module_map_follows_the_layers_of_the_layering_test() -> None:
    doc = text(DOCS_DIR / "architecture.md")
    section = doc.split("\n## Module map\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^\*\*(.+?)\*\*.*\n", section, flags=re.M)
    assert list(MAP_SECTIONS.values()) == [g for level in layering.LEVELS for g in level]
    assert parts[1::2] == list(MAP_SECTIONS), "the module map's sections, in LEVELS' order"
    misplaced = []
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        for file in re.findall(r"^\| `([\w/]+\.py)` \|", body, re.M):
            place = layering.place(module_name(file))
            if place is None or place[1] != MAP_SECTIONS[heading]:
                misplaced.append(f"{file} under {heading!r}, in {place and place[1]!r} in LEVELS")
    assert not misplaced


def test_the_layer_diagram_names_every_group() -> None:
    diagram = blocks(DOCS_DIR / "architecture.md")[0][1]
    groups = [g for level in layering.LEVELS for g in level]
    assert [g for g in groups if not re.search(rf"-> .*\b{g}\b|^{g}\b", diagram, re.M)] == []


# --- (d) links between the docs resolve ---------------------------------------------------


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    words = heading.strip().lower().replace("`", "")
    kept = "".join(c for c in words if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(path), re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for path in DOCS:
        for target in LINK.findall(prose(path)):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            goal = (path.parent / file).resolve() if file else path
            if not goal.exists():
                broken.append(f"{path.name}: {target} (no such file)")
            elif anchor and anchor not in anchors(goal):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert not broken


DOCS_POINTER = re.compile(r"\bdocs/(\w+\.md)(?:#([\w-]+))?")
README_POINTER = re.compile(r"\bREADME[,:]? [\"']([^\"'\n]+)[\"']")


def test_every_pointer_from_the_code_into_the_docs_resolves() -> None:
    """`docs/backup.md#reports-and-logs` or `README, "Exit codes"` in a comment, docstring or
    message of the code names a page and a heading that exist."""
    broken, seen = [], 0
    for folder in ("flickr_async", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            source = text(path)
            where = path.relative_to(ROOT).as_posix()
            for file, anchor in DOCS_POINTER.findall(source):
                seen += 1
                goal = DOCS_DIR / file
                if not goal.exists() or (anchor and anchor not in anchors(goal)):
                    broken.append(f"{where}: docs/{file}#{anchor}")
            for heading in README_POINTER.findall(source):
                seen += 1
                if slug(heading) not in anchors(ROOT / "README.md"):
                    broken.append(f"{where}: README {heading!r}")
    assert seen > 10
    assert not broken


def test_every_docs_file_is_linked_from_the_readme_or_the_docs_index() -> None:
    linked = {
        (path.parent / target.partition("#")[0]).resolve()
        for path in (ROOT / "README.md", DOCS_DIR / "README.md")
        for target in LINK.findall(prose(path))
    }
    assert [p.name for p in DOCS_DIR.glob("*.md") if p.resolve() not in linked] == []


def test_a_heading_gets_githubs_anchor() -> None:
    assert slug("`flickr-async backup`") == "flickr-async-backup"
    assert slug("Account files (schema 1)") == "account-files-schema-1"
    assert slug("The public copy (`--public`)") == "the-public-copy---public"
