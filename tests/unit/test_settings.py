"""Settings resolution: flag > environment > token file > default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flickr_async.auth import Token, save_token
from flickr_async.errors import EXIT_USAGE, ConfigError
from flickr_async.settings import (
    DEFAULT_API_BASE,
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_OAUTH_TOKEN,
    ENV_OAUTH_TOKEN_SECRET,
    ENV_TOKEN_FILE,
    build_settings,
)


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
