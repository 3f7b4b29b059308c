"""The typed environment readers and what a checkout keeps for itself in .local/."""

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.local import filesystem_broker_options, local_secret_key


@pytest.mark.parametrize("raw", ["1", "true", "True", " yes ", "ON"])
def test_env_bool_reads_true_words(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TG_FLAG", raw)
    assert env_bool("TG_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false_words(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TG_FLAG", raw)
    assert env_bool("TG_FLAG", True) is False


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TG_FLAG", raising=False)
    assert env_bool("TG_FLAG", True) is True
    assert env_bool("TG_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y"])
def test_env_bool_refuses_anything_else(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TG_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="TG_FLAG"):
        env_bool("TG_FLAG", False)


def test_env_int_parses_integers_and_defaults_when_unset_or_blank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TG_NUMBER", "42")
    assert env_int("TG_NUMBER", 7) == 42
    monkeypatch.setenv("TG_NUMBER", "  ")
    assert env_int("TG_NUMBER", 7) == 7
    monkeypatch.delenv("TG_NUMBER")
    assert env_int("TG_NUMBER", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "3x"])
def test_env_int_refuses_non_integers(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("TG_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="TG_NUMBER"):
        env_int("TG_NUMBER", 7)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TG_HOSTS", " a.example.com, ,b.example.com ,")
    assert env_list("TG_HOSTS", ["default"]) == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("TG_HOSTS", "")
    assert env_list("TG_HOSTS", ["default"]) == []
    monkeypatch.delenv("TG_HOSTS")
    assert env_list("TG_HOSTS", ["default"]) == ["default"]


def test_env_str_without_a_default_insists_on_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TG_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="TG_REQUIRED"):
        env_str("TG_REQUIRED")
    monkeypatch.setenv("TG_REQUIRED", "value")
    assert env_str("TG_REQUIRED") == "value"


def test_local_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    # Given a checkout with no .local folder yet
    local_dir = tmp_path / ".local"

    # When the key is asked for twice
    first = local_secret_key(local_dir)
    second = local_secret_key(local_dir)

    # Then it is long, stable, stored only in secret_key, and readable by its owner alone
    assert len(first) >= 50
    assert second == first
    key_file = local_dir / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in local_dir.iterdir()] == ["secret_key"]


def test_each_checkout_gets_its_own_secret_key(tmp_path: Path) -> None:
    assert local_secret_key(tmp_path / "one") != local_secret_key(tmp_path / "two")


def test_filesystem_broker_keeps_every_folder_inside_its_own_and_creates_them(
    tmp_path: Path,
) -> None:
    options = filesystem_broker_options(tmp_path / "celery")

    folders = [
        options[name]
        for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    ]
    for folder in folders:
        assert Path(str(folder)).is_dir()
        assert Path(str(folder)).parent == tmp_path / "celery"
    # producers write where the worker reads
    assert options["data_folder_in"] == options["data_folder_out"]
