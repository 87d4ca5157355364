"""Reading one file: limits and hostile input that a data corpus cannot hold conveniently."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from dezkysync.tenants import TenantFilesInvalid, load_tenants, yamlfile
from dezkysync.tenants.yamlfile import MAX_FILE_SIZE, FileUnreadable, location, read_document

GOOD = "tenant: acme\nname: Acme\n"


def _errors(path: Path, **kwargs: int) -> list[str]:
    with pytest.raises(TenantFilesInvalid) as caught:
        load_tenants([path], **kwargs)
    return [str(error) for error in caught.value.errors]


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * MAX_FILE_SIZE + "\n")
    started = time.perf_counter()
    errors = _errors(path)
    assert time.perf_counter() - started < 0.5
    assert errors == [
        f"{path}:1:1: the file is {path.stat().st_size} bytes; "
        f"tenant files may be at most {MAX_FILE_SIZE} bytes"
    ]


def test_file_size_limit_is_adjustable(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD)
    assert "may be at most 10 bytes" in _errors(path, max_file_size=10)[0]
    assert load_tenants([path], max_file_size=len(GOOD)).tenants[0].slug == "acme"


def _bomb(levels: int, width: int) -> str:
    lines = ["tenant: acme", "name: Acme", "a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(levels=40, width=20))  # 20**40 nodes if expanded
    started = time.perf_counter()
    errors = _errors(path)
    assert time.perf_counter() - started < 0.5
    assert errors == [
        f"{path}:3:5: YAML anchors (&a0) are not allowed in tenant files; "
        "write each value out in full"
    ]


def test_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(GOOD + "members: &m [*m]\n")
    assert _errors(path) == [
        f"{path}:3:10: YAML anchors (&m) are not allowed in tenant files; "
        "write each value out in full"
    ]


def test_very_deep_nesting_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(GOOD + "x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    started = time.perf_counter()
    errors = _errors(path)
    assert time.perf_counter() - started < 2
    assert len(errors) == 1
    # libyaml stops at its own limit (1000 levels) while scanning ahead; either way one error
    assert "nested more than 32 deep" in errors[0] or "maximum nesting depth" in errors[0]


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_tenants([path]).tenants[0].name == "Acme"


def test_every_key_and_value_remembers_its_position(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(
        "tenant: acme\nname: Acme\nmembers:\n  - email: a@acme.example\n"
        "    aliases:\n      - b@acme.example\n"
    )
    document = read_document(path, "acme.yaml")
    alias = ("members", 0, "aliases", 0)
    assert (document.value_at(alias).line, document.value_at(alias).column) == (6, 9)
    key = document.key_at(("members", 0, "aliases"))
    assert (key.line, key.column) == (5, 5)
    assert document.error(alias, "x").location == "members[0].aliases[0]"
    assert location(()) == ""


def test_unreadable_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yaml"
    directory.mkdir()
    with pytest.raises(FileUnreadable) as caught:
        read_document(directory, "dir.yaml")
    assert caught.value.errors[0].message.startswith("cannot read the file")


def test_positions_count_characters_not_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes('tenant: x\nname: "ééé'.encode() + b'\xf6"\n')
    assert _errors(latin1) == [
        f"{latin1}:2:11: the file is not UTF-8: byte 0xf6 cannot start or continue a "
        "character here; save the file as UTF-8"
    ]
    control = tmp_path / "control.yaml"
    control.write_text("tenant: x\nname: ééé\x07\n", encoding="utf-8")
    expected = [f"{control}:2:10: character U+0007 is not allowed in a YAML file"]
    assert _errors(control) == expected
    monkeypatch.setattr(yamlfile, "_Parser", yaml.SafeLoader)  # without libyaml: the same
    assert _errors(control) == expected
    value = tmp_path / "value.yaml"
    value.write_text("tenant: x\nname: ééé\nstate: ünknown\n", encoding="utf-8")
    assert _errors(value) == [
        f"{value}:3:8: state: 'ünknown' is not allowed here; choose one of: present, absent"
    ]
