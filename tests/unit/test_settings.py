"""Settings resolution: flag > environment > token file > default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flickr_async.config import Config, parse_config
from flickr_async.errors import EXIT_USAGE, ConfigError
from flickr_async.settings import (
    DEFAULT_API_BASE,
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_CONFIG,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_SECRET,
    ENV_TOKEN_FILE,
    Resolved,
    build_settings,
    find_config,
    resolve_settings,
)
from flickr_async.tokenfile import Token, save_token


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token.json"
    save_token(
        path, Token("file-tok", "file-tok-secret", "1@N01", "me", "", "file-key", "file-sec")
    )
    return path


def test_a_flag_beats_the_environment(tmp_path: Path) -> None:
    settings = build_settings(
        {ENV_API_KEY: "env-key"}, api_key="flag-key", token_file=tmp_path / "none.json"
    )
    assert settings.api_key == "flag-key"


def test_the_environment_beats_the_token_file(token_file: Path) -> None:
    env = {ENV_API_KEY: "env-key", ENV_API_SECRET: "env-sec"}
    settings = build_settings(env, token_file=token_file)
    assert (settings.api_key, settings.api_secret) == ("env-key", "env-sec")


def test_the_token_file_supplies_key_secret_and_token(token_file: Path) -> None:
    settings = build_settings({}, token_file=token_file)
    assert (settings.api_key, settings.api_secret, settings.oauth_token) == (
        "file-key",
        "file-sec",
        "file-tok",
    )


def test_defaults_apply_when_nothing_is_given(tmp_path: Path) -> None:
    settings = build_settings({}, token_file=tmp_path / "none.json")
    assert (settings.api_key, settings.api_base, settings.has_token) == (
        "",
        DEFAULT_API_BASE,
        False,
    )


def test_api_base_flag_beats_its_environment_variable(tmp_path: Path) -> None:
    settings = build_settings(
        {ENV_API_BASE: "http://env.example/services"},
        api_base="http://flag.example/services",
        token_file=tmp_path / "none.json",
    )
    assert settings.rest_url == "http://flag.example/services/rest/"


def test_api_base_comes_from_the_environment_without_a_flag(tmp_path: Path) -> None:
    settings = build_settings(
        {ENV_API_BASE: "http://env.example/services"}, token_file=tmp_path / "none.json"
    )
    assert settings.oauth_url("request_token") == "http://env.example/services/oauth/request_token"


def test_token_file_comes_from_the_environment_without_a_flag(token_file: Path) -> None:
    settings = build_settings({ENV_TOKEN_FILE: str(token_file)})
    assert (settings.token_file, settings.oauth_token) == (token_file, "file-tok")


def test_the_default_token_file_lives_under_xdg_config_home(tmp_path: Path) -> None:
    settings = build_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings.token_file == tmp_path / "flickr-async" / "token.json"


def test_a_saved_token_is_ignored_with_a_different_key(token_file: Path) -> None:
    settings = build_settings({}, api_key="other-key", token_file=token_file)
    assert settings.has_token is False


def test_a_token_in_the_environment_beats_the_saved_one(token_file: Path) -> None:
    env = {ENV_OAUTH_TOKEN: "env-tok", ENV_OAUTH_TOKEN_SECRET: "env-tok-secret"}
    settings = build_settings(env, token_file=token_file)
    assert settings.oauth_token == "env-tok"


def test_command_options_pass_through_and_none_means_not_given(tmp_path: Path) -> None:
    settings = build_settings({}, token_file=tmp_path / "none.json", verbose=True, concurrency=None)
    assert (settings.verbose, settings.concurrency) == (True, 8)


def test_an_api_base_that_is_not_http_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        build_settings({}, api_base="ftp://flickr", token_file=tmp_path / "none.json")


def test_a_missing_key_is_a_usage_error(tmp_path: Path) -> None:
    settings = build_settings({}, token_file=tmp_path / "none.json")
    with pytest.raises(ConfigError) as caught:
        settings.require_key()
    assert caught.value.exit_code == EXIT_USAGE


def test_secrets_stay_out_of_the_settings_repr(token_file: Path) -> None:
    settings = build_settings({}, token_file=token_file)
    assert "file-sec" not in repr(settings) and "file-tok-secret" not in repr(settings)


# --- the config file: flag > environment > profile > archive > config defaults > built-in ---

CONFIG_TEXT = """\
api-base = "https://config.example/services"
concurrency = 3
metadata = "basic"
out = "/archives/default"

[profiles.family]
out = "/archives/family"
api-base = "https://profile.example/services"
concurrency = 5
"""


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG_TEXT, Path("/etc/fa/config.toml"))


def resolved(config: Config, environ: dict[str, str] | None = None, **kwargs: object) -> Resolved:
    env = {"XDG_CONFIG_HOME": "/nonexistent-xdg", **(environ or {})}
    return resolve_settings(env, config=config, **kwargs)  # type: ignore[arg-type]


FLAG, ENV = "https://flag.example", "https://env.example"


@pytest.mark.parametrize(
    ("kwargs", "environ", "expected", "source"),
    [
        ({"profile": "family", "api_base": FLAG}, {ENV_API_BASE: ENV}, FLAG, "flag"),
        ({"profile": "family"}, {ENV_API_BASE: ENV}, ENV, "env"),
        ({"profile": "family"}, {}, "https://profile.example/services", "profile"),
        ({}, {}, "https://config.example/services", "config"),
    ],
)
def test_api_base_precedence(
    config: Config, kwargs: dict[str, object], environ: dict[str, str], expected: str, source: str
) -> None:
    result = resolved(config, environ, **kwargs)
    assert (result.settings.api_base, result.sources["api_base"]) == (expected, source)


@pytest.mark.parametrize(
    ("kwargs", "expected", "source"),
    [
        ({"profile": "family", "concurrency": 7}, 7, "flag"),
        ({"profile": "family", "concurrency": None}, 5, "profile"),
        ({"concurrency": None}, 3, "config"),
    ],
)
def test_an_option_not_given_comes_from_the_profile_then_the_defaults(
    config: Config, kwargs: dict[str, object], expected: int, source: str
) -> None:
    result = resolved(config, **kwargs)
    assert (result.settings.concurrency, result.sources["concurrency"]) == (expected, source)


def test_without_a_config_the_built_in_default_applies() -> None:
    result = resolve_settings({"XDG_CONFIG_HOME": "/nonexistent-xdg"}, concurrency=None)
    assert (result.settings.concurrency, result.sources["concurrency"]) == (8, "default")


def test_an_archives_remembered_option_beats_the_config_default(config: Config) -> None:
    """A default changed in the file does not reshape an existing archive."""
    result = resolved(config, remembered=lambda out: {"metadata": "deep"}, metadata=None)
    assert (result.settings.metadata, result.sources["metadata"]) == ("deep", "archive")


def test_a_flag_or_a_profile_beats_the_archive(config: Config) -> None:
    with_profile = parse_config(CONFIG_TEXT + 'metadata = "list"\n', Path("/etc/fa/c.toml"))
    archive = {"metadata": "deep"}
    assert resolved(config, remembered=lambda out: archive, metadata="list").settings.metadata == (
        "list"
    )
    by_profile = resolved(with_profile, remembered=lambda out: archive, profile="family")
    assert (by_profile.settings.metadata, by_profile.sources["metadata"]) == ("list", "profile")


def test_the_archive_asked_is_the_profiles_own(config: Config) -> None:
    asked: list[Path] = []
    resolved(config, profile="family", remembered=lambda out: asked.append(out) or {})
    assert asked == [Path("/archives/family")]


def test_a_new_archive_takes_the_config_default(config: Config) -> None:
    result = resolved(config, remembered=lambda out: {}, metadata=None)
    assert (result.settings.metadata, result.sources["metadata"]) == ("basic", "config")


def test_a_profile_has_its_own_token_file_by_default(config: Config) -> None:
    result = resolved(config, profile="family")
    assert result.settings.token_file == Path(
        "/nonexistent-xdg/flickr-async/profiles/family/token.json"
    )


def test_the_environments_token_file_beats_the_profiles(config: Config) -> None:
    result = resolved(config, {ENV_TOKEN_FILE: "/env/token.json"}, profile="family")
    assert (result.settings.token_file, result.sources["token_file"]) == (
        Path("/env/token.json"),
        "env",
    )


def test_the_profiles_token_file_supplies_its_account(config: Config, token_file: Path) -> None:
    text = CONFIG_TEXT + f'token-file = "{token_file}"\n'
    result = resolved(parse_config(text, Path("/c.toml")), profile="family")
    assert (result.settings.oauth_token, result.sources["oauth_token"]) == (
        "file-tok",
        "token file",
    )


def test_a_key_in_the_config_beats_the_token_files_and_drops_its_token(
    token_file: Path,
) -> None:
    text = f'api-key = "config-key"\ntoken-file = "{token_file}"\n'
    settings = resolved(parse_config(text, Path("/c.toml"))).settings
    assert (settings.api_key, settings.has_token) == ("config-key", False)


def test_a_profile_without_a_config_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--profile family: there is no config file"):
        resolve_settings({"XDG_CONFIG_HOME": "/x"}, profile="family")


def test_find_config_reads_the_environments_file_and_warns_of_readable_secrets(
    tmp_path: Path,
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('api-secret = "s"\nconcurrency = 2\n')
    path.chmod(0o644)
    config, warning = find_config(None, {ENV_CONFIG: str(path)})
    assert config is not None and config.defaults["concurrency"] == 2
    assert warning is not None and "api-secret" in warning


def test_no_config_file_in_the_default_place_is_no_config(tmp_path: Path) -> None:
    assert find_config(None, {"XDG_CONFIG_HOME": str(tmp_path)}) == (None, None)


@pytest.mark.parametrize(
    ("text", "profile", "message"),
    [
        ("concurrency = 100\n", None, "/c.toml:1: concurrency: must be between 1 and 64"),
        (
            'site = true\n[profiles.p]\nout = "/p"\nlayout = "flta"\n',
            "p",
            "/c.toml:4: layout: must be 'albums', 'flat' or 'date'",
        ),
        ("api_rate = 0\n", None, "/c.toml:1: api-rate: must be a positive number"),
    ],
)
def test_a_bad_value_from_the_file_names_its_file_line_and_key(
    text: str, profile: str | None, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolved(parse_config(text, Path("/c.toml")), profile=profile)
    assert str(caught.value).startswith(message)


def test_a_bad_flag_is_still_named_as_a_flag(config: Config) -> None:
    with pytest.raises(ConfigError, match=r"^--concurrency must be"):
        resolved(config, concurrency=0)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("layout", "tree", "--layout must be 'albums', 'flat' or 'date'"),
        ("links", "junction", "--links must be 'hardlink', 'symlink' or 'copy'"),
        ("names", "{title}", "must contain {id} exactly once"),
    ],
)
def test_a_bad_shape_option_is_a_config_error(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_settings({}, token_file=tmp_path / "none.json", **{option: value})


def test_layout_names_and_links_default_to_todays_archive(tmp_path: Path) -> None:
    settings = build_settings({}, token_file=tmp_path / "none.json")
    assert (settings.layout, settings.names, settings.links) == ("albums", "{id}", "hardlink")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("api_rate", float("inf"), "--api-rate must be a positive number"),
        ("api_rate", float("nan"), "--api-rate must be a positive number"),
        ("retry_max_wait", float("nan"), "--max-retry-wait must be a number of seconds"),
        ("retry_max_wait", float("inf"), "--max-retry-wait must be a number of seconds"),
        ("retry_max_wait", -1.0, "--max-retry-wait must be a number of seconds"),
    ],
)
def test_a_rate_or_wait_that_is_not_a_finite_number_is_refused(
    tmp_path: Path, option: str, value: float, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_settings({}, token_file=tmp_path / "none.json", **{option: value})
