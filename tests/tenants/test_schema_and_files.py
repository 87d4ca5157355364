"""The JSON Schema as shipped, file discovery, and the configuration example."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dezkysync.tenants import TenantFilesInvalid, ValidationError, find_tenant_files, load_tenants
from dezkysync.tenants.schema import tenant_schema

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _objects(schema: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append((path, schema))
        for key, value in schema.items():
            found += _objects(value, f"{path}/{key}")
    return found


def test_schema_is_valid_2020_12_with_id() -> None:
    schema = tenant_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/tenant.schema.json")


def test_schema_objects_are_closed_and_every_property_is_described() -> None:
    schema = tenant_schema()
    objects = _objects(schema)
    assert len(objects) >= 5
    for path, obj in objects:
        assert obj.get("additionalProperties") is False, path
        for name, prop in obj["properties"].items():
            target = prop
            if "$ref" in prop and "title" not in prop:
                target = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
            assert target.get("title") and target.get("description"), f"{path}/{name}"


def test_schema_file_is_the_packaged_one() -> None:
    on_disk = json.loads((REPO / "schemas" / "tenant.schema.json").read_text("utf-8"))
    assert on_disk == tenant_schema()


def test_examples_point_editors_at_the_schema() -> None:
    for file in sorted((EXAMPLES / "tenants").glob("*.yaml")):
        first = file.read_text("utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, file
        assert (file.parent / match[1]).resolve() == (
            REPO / "schemas" / "tenant.schema.json"
        ).resolve()


def test_examples_validate_against_the_schema_alone() -> None:
    validator = jsonschema.Draft202012Validator(tenant_schema())
    for file in sorted((EXAMPLES / "tenants").glob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(file.read_text("utf-8")))) == []


def test_configuration_example_has_the_agreed_keys() -> None:
    text = (EXAMPLES / "dezkysync.yaml").read_text("utf-8")
    config = yaml.safe_load(text)
    assert set(config) == {"services", "concurrency", "deletion", "protected", "plan"}
    assert set(config["services"]) == {"stalwart", "authentik", "ocis"}
    for service in config["services"].values():
        assert set(service) == {"url", "timeout"}
    assert config["concurrency"] == 8
    assert config["deletion"] == {"max_count": 10, "max_percent": 25}
    assert config["protected"] == ["ops@acme.example"]
    assert config["plan"] == {"max_age": "1h"}
    assert "token" not in text.replace("Tokens", "").replace("_TOKEN", "").lower()


def test_discovery_is_recursive_sorted_and_skips_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("b/z.yaml", "b/a.YML", "a.yaml", ".hidden/x.yaml", "b/.draft.yaml", "c/notes.txt"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("x")
    files, errors = find_tenant_files([".", "a.yaml", "b/z.yaml"])
    assert files == [Path("a.yaml"), Path("b/a.YML"), Path("b/z.yaml")]
    assert errors == []
    files, errors = find_tenant_files(["c"])
    assert files == [] and errors == [
        ValidationError("c", 1, 1, "", "no tenant files (*.yaml, *.yml) in this directory")
    ]


def test_load_tenants_api_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        load_tenants(str(tmp_path))
    with pytest.raises(ValueError):
        load_tenants([])
    (tmp_path / "x.yaml").write_text("tenant: x\n")
    with pytest.raises(TenantFilesInvalid) as caught:
        load_tenants([tmp_path / "x.yaml", tmp_path / "missing.yaml"])
    invalid = caught.value
    assert [e.file for e in invalid.errors] == sorted(e.file for e in invalid.errors)
    assert str(invalid).splitlines()[0] == "2 errors in 2 files"
    assert invalid.files == sorted({str(tmp_path / "missing.yaml"), str(tmp_path / "x.yaml")})


def test_validation_error_text_and_json() -> None:
    error = ValidationError("t.yaml", 3, 5, "members[0].email", "bad")
    assert str(error) == "t.yaml:3:5: members[0].email: bad"
    assert str(ValidationError("t.yaml", 1, 1, "", "empty")) == "t.yaml:1:1: empty"
    assert error.to_json() == {
        "file": "t.yaml",
        "line": 3,
        "column": 5,
        "location": "members[0].email",
        "message": "bad",
    }
