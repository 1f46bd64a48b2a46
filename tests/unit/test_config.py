"""config.toml: keys, types, profiles, the line of a mistake, the secret warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from flickr_async.config import KEYS, load_config, parse_config, secret_warning
from flickr_async.errors import EXIT_USAGE, ConfigError
from flickr_async.settings import Settings, check_value, find_config

FILE = Path("/etc/fa/config.toml")


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE)
    assert caught.value.exit_code == EXIT_USAGE
    return str(caught.value)


def test_top_level_keys_are_defaults_keyed_by_settings_field() -> None:
    config = parse_config(
        'concurrency = 8\napi-rate = 2\nmetadata = "list"\nsite = false\nmax_retry_wait = 5\n',
        FILE,
    )
    assert config.defaults == {
        "concurrency": 8,
        "api_rate": 2.0,
        "metadata": "list",
        "site": False,
        "retry_max_wait": 5.0,
    }
    assert isinstance(config.defaults["api_rate"], float)


def test_a_profile_holds_its_archive_token_and_options() -> None:
    config = parse_config(
        '[profiles.family]\nout = "/srv/flickr/family"\ntoken-file = "tokens/family.json"\n'
        "favorites = true\n",
        FILE,
    )
    assert config.profile("family") == {
        "out": Path("/srv/flickr/family"),
        "token_file": Path("/etc/fa/tokens/family.json"),  # relative to the file's folder
        "favorites": True,
    }


def test_a_home_relative_path_is_expanded() -> None:
    config = parse_config('out = "~/flickr"\n', FILE)
    assert config.defaults["out"] == Path.home() / "flickr"


def test_a_profile_inherits_the_defaults_but_not_an_archive_or_account() -> None:
    config = parse_config(
        'out = "/a"\ntoken-file = "/t.json"\nreport = "/r.json"\noauth-token = "x"\n'
        'api-key = "k"\nconcurrency = 3\n[profiles.p]\nout = "/p"\n',
        FILE,
    )
    assert config.inherited() == {"api_key": "k", "concurrency": 3}


def test_the_options_another_branch_adds_are_accepted_as_strings() -> None:
    config = parse_config('layout = "date"\nnames = "{date}-{title}"\nlinks = "symlink"\n', FILE)
    assert config.defaults == {"layout": "date", "names": "{date}-{title}", "links": "symlink"}


def test_every_key_names_a_settings_field_or_one_still_to_come() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {key.field for key in KEYS.values()} - fields <= {"names", "links"}


def test_an_unknown_top_level_key_names_file_line_and_key() -> None:
    assert error_of("concurrency = 2\n\nconcurency = 3\n") == (f"{FILE}:3: concurency: unknown key")


def test_an_unknown_key_in_a_profile_is_found_in_that_profiles_table() -> None:
    text = '[profiles.a]\nout = "/a"\n\n[profiles.b]\nout = "/b"\nsit = false\n'
    assert error_of(text) == f"{FILE}:6: sit: unknown key"


def test_the_same_key_in_an_earlier_table_does_not_mislead_the_line() -> None:
    text = '[profiles.a]\nlayot = "flat"\n[profiles.b]\nlayot = "flat"\n'
    assert error_of(text) == f"{FILE}:2: layot: unknown key"
    good_then_bad = '[profiles.a]\nsite = true\n[profiles.b]\nsite = "no"\n'
    assert error_of(good_then_bad) == f"{FILE}:4: site: must be true or false"


def test_an_unknown_table_is_named_at_its_header() -> None:
    assert error_of("concurrency = 2\n[defualts]\nsite = true\n") == (
        f"{FILE}:2: defualts: unknown key"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('concurrency = "8"', "concurrency: must be a whole number"),
        ("concurrency = 2.5", "concurrency: must be a whole number"),
        ("concurrency = true", "concurrency: must be a whole number"),
        ('api-rate = "fast"', "api-rate: must be a number"),
        ('site = "no"', "site: must be true or false"),
        ("metadata = 3", "metadata: must be a string"),
        ("out = 3", "out: must be a path (a string)"),
    ],
)
def test_a_wrong_type_names_file_line_and_key(line: str, message: str) -> None:
    assert error_of(f"# defaults\n{line}\n") == f"{FILE}:2: {message}"


def test_invalid_toml_names_its_line() -> None:
    assert error_of("site = true\nconcurrency = = 3\n").startswith(f"{FILE}:2: not valid TOML: ")


def test_a_profile_that_is_not_a_table_is_an_error() -> None:
    assert error_of('profiles = "family"\n') == (
        f"{FILE}:1: profiles: must be a table of profiles: [profiles.NAME]"
    )


def test_a_profile_name_must_make_a_folder_name() -> None:
    assert "a profile's name" in error_of('[profiles."../etc"]\nsite = true\n')


def test_an_unknown_profile_lists_the_known_ones() -> None:
    config = parse_config("[profiles.a]\n[profiles.b]\n", FILE)
    with pytest.raises(ConfigError, match=r"no profile 'c' in .* \(profiles: a, b\)"):
        config.profile("c")


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "config.toml")


@pytest.mark.parametrize(
    ("text", "mode", "warned"),
    [
        ('api-secret = "s"\n', 0o644, True),
        ('api-secret = "s"\n', 0o640, True),
        ('[profiles.p]\noauth-token-secret = "s"\n', 0o604, True),
        ('api-secret = "s"\n', 0o600, False),
        ('api-key = "k"\n', 0o644, False),  # a key alone is not a secret
    ],
)
def test_secrets_in_a_file_others_may_read_are_a_warning(
    text: str, mode: int, warned: bool
) -> None:
    warning = secret_warning(parse_config(text, FILE), 0o100000 | mode)
    assert (warning is not None) == warned
    if warning:
        assert warning.endswith(f"(mode {mode:04o}): chmod 600 {FILE}")


def test_the_documented_example_is_a_valid_config() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example, FILE)
    assert list(config.profiles) == ["family", "work"]
    assert config.defaults["out"] == Path.home() / "flickr-backup"
    assert config.profile("work")["token_file"] == FILE.parent / "tokens" / "work.json"


def test_a_home_folder_of_nobody_is_a_mistake_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match=r"config.toml:2: out: "):
        parse_config('concurrency = 4\nout = "~no-such-user-here/x"\n', path)


# --- every value of every table, checked when the file is read --------------------------------


def checked_error_of(text: str) -> str:
    """The error of a file read as every command reads it (find_config: values checked)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE, check_value)
    assert caught.value.exit_code == EXIT_USAGE
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('out = ""\n', f"{FILE}:1: out: must not be empty"),
        ('site = true\n[profiles.p]\nout = "  "\n', f"{FILE}:3: out: must not be empty"),
        ('[profiles.p]\nout = "/p"\ntoken-file = ""\n', f"{FILE}:3: token-file: must not be empty"),
        ("api-rate = nan\n", f"{FILE}:1: api-rate: must be a finite number (not nan or inf)"),
        ("max-retry-wait = inf\n", f"{FILE}:1: max-retry-wait: must be a finite number"),
        ("api-rate = -inf\n", f"{FILE}:1: api-rate: must be a finite number"),
        ("api-rate = " + "9" * 400 + "\n", f"{FILE}:1: api-rate: must be a finite number"),
    ],
)
def test_an_empty_path_or_a_number_that_is_not_finite_is_refused(text: str, message: str) -> None:
    assert error_of(text).startswith(message)  # whatever checks the values, the type refuses


@pytest.mark.parametrize(
    "first, second", [("api-rate", "api_rate"), ("max_api_calls", "max-api-calls")]
)
def test_one_key_spelled_both_ways_in_one_table_names_both(first: str, second: str) -> None:
    text = f"[profiles.p]\n{first} = 2\n{second} = 3\n"
    assert error_of(text) == (
        f"{FILE}:3: {second}: given twice in one table, as {first} and {second}: keep one"
    )


def test_the_same_key_in_two_tables_is_no_duplicate() -> None:
    config = parse_config("api-rate = 2\n[profiles.p]\napi_rate = 3\n", FILE, check_value)
    assert (config.defaults["api_rate"], config.profile("p")["api_rate"]) == (2.0, 3.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("api-rate = -1", "api-rate: must be a positive number of calls per second"),
        ("api-rate = 0", "api-rate: must be a positive number of calls per second"),
        ("concurrency = 0", "concurrency: must be between 1 and 64"),
        ("concurrency = -3", "concurrency: must be between 1 and 64"),
        ("max-api-calls = 0", "max-api-calls: must be a positive number of calls"),
        ("max-retry-wait = -0.5", "max-retry-wait: must be a number of seconds, 0 or more"),
        ('layout = "tree"', "layout: must be 'albums', 'flat' or 'date'"),
        ('links = "junction"', "links: must be 'hardlink', 'symlink' or 'copy'"),
        ('metadata = "most"', "metadata: must be 'basic', 'list' or 'deep'"),
        ('names = "{title}"', "names: must contain {id} exactly once"),
        ('api-base = "ftp://x"', "api-base: must be an http(s) URL"),
    ],
)
def test_a_bad_value_in_a_profile_no_command_uses_is_found_when_the_file_is_read(
    line: str, message: str
) -> None:
    text = f'site = true\n[profiles.used]\nout = "/a"\n\n[profiles.unused]\nout = "/b"\n{line}\n'
    assert checked_error_of(text).startswith(f"{FILE}:7: {message}")


def test_good_values_pass_the_check_in_every_table() -> None:
    text = (
        'api-rate = 0.5\nmax-retry-wait = 0\nmetadata = "full"\n[profiles.p]\nout = "/p"\n'
        'names = "{date_taken:%Y} {title} ({id})"\nconcurrency = 64\nmax-api-calls = 1\n'
    )
    config = parse_config(text, FILE, check_value)
    assert config.profile("p")["concurrency"] == 64


def test_find_config_checks_every_value_when_it_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.a]\nout = "/a"\n[profiles.b]\nout = "/b"\napi-rate = -2\n')
    with pytest.raises(ConfigError, match=r"config.toml:5: api-rate: must be a positive"):
        find_config(path, {})


def test_a_profile_without_out_is_named_by_its_table_line() -> None:
    config = parse_config('out = "/top"\n\n[profiles.family]\nconcurrency = 2\n', FILE)
    assert str(config.missing_out("family")) == (
        f'{FILE}:3: [profiles.family] has no out: give OUT, or add out = "..." to the profile'
    )
