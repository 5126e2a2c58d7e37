"""The payer file's optional ``guide`` section (GUIDE_SCHEMA.md): model, YAML, validation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from eligate.payers import (
    Guide,
    GuideAaaRule,
    RegistryError,
    dump_payer,
    load_payer,
)
from tests.payers.test_registry import GOOD

GUIDE = """\
guide:
  version: "2.1"
  effective_date: 2026-01-15
  test_endpoint: https://test.payer.example/core/270
  envelope: mime
  service_types: ["30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"]
  member_id_pattern: "PMH[0-9]{9}"
  member_id_strip_suffix: "-[0-9]{2}$"
  required_fields: [member_id, birth_date]
  dependents_as_subscriber: true
  max_eq_per_request: 1
  aaa:
    "42": {action: retry_later, resend: true, wait_seconds: 300}
    "72": {action: fix_member_id, resend: false}
  contact: "EDI support, edi@payer.example"
"""


def _payer(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD + extra, encoding="utf-8")
    return path


def test_the_agreed_example_loads(tmp_path: Path) -> None:
    """The YAML example of GUIDE_SCHEMA.md loads into the typed section."""
    guide = load_payer(_payer(tmp_path, GUIDE)).guide
    assert guide is not None
    assert guide.version == "2.1"
    assert guide.effective_date == date(2026, 1, 15)
    assert str(guide.test_endpoint) == "https://test.payer.example/core/270"
    assert guide.envelope == "mime"
    assert guide.service_types[:3] == ("30", "1", "33")
    assert guide.required_fields == ("member_id", "birth_date")
    assert guide.dependents_as_subscriber is True
    assert guide.max_eq_per_request == 1
    assert guide.aaa["42"] == GuideAaaRule(action="retry_later", resend=True, wait_seconds=300)
    assert guide.aaa["72"].wait_seconds is None
    assert guide.contact == "EDI support, edi@payer.example"


def test_no_section_is_none_and_dumps_without_it(tmp_path: Path) -> None:
    """A payer file without a guide has ``guide=None`` and its dump has no ``guide`` key."""
    config = load_payer(_payer(tmp_path, ""))
    assert config.guide is None
    assert "guide" not in dump_payer(config)


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    """``dump_payer`` writes the guide so that ``load_payer`` reads back an equal config."""
    config = load_payer(_payer(tmp_path, GUIDE))
    again = tmp_path / "again.yaml"
    again.write_text(dump_payer(config), encoding="utf-8")
    assert load_payer(again) == config


def test_every_field_is_optional() -> None:
    """An empty section is valid and says nothing: defaults throughout."""
    guide = Guide()
    assert guide.envelope == "mime"
    assert guide.service_types == ()
    assert guide.aaa == {}
    assert guide.required_fields == ()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('  member_id_pattern: "PMH[0-9"\n', "guide.member_id_pattern"),
        ('  member_id_strip_suffix: "(-"\n', "guide.member_id_strip_suffix"),
        ("  test_endpoint: http://test.payer.example/270\n", "guide.test_endpoint"),
        ("  envelope: fax\n", "guide.envelope"),
        ("  max_eq_per_request: 0\n", "guide.max_eq_per_request"),
        ("  required_fields: [ssn]\n", "guide.required_fields.0"),
        ('  service_types: ["30", "ZZZ"]\n', "guide.service_types"),
        ('  aaa: {"42": {action: retry_later, resend: true, wait_seconds: -1}}\n', "guide.aaa.42"),
        ('  aaa: {"forty-two": {action: retry_later, resend: true}}\n', "guide.aaa"),
        ('  aaa: {"42": {action: "Retry Later", resend: true}}\n', "guide.aaa.42.action"),
        ("  pages: 12\n", "guide.pages"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_field(
    tmp_path: Path, line: str, field: str
) -> None:
    """A bad guide value is a RegistryError naming the file and the guide field."""
    with pytest.raises(RegistryError) as caught:
        load_payer(_payer(tmp_path, "guide:\n" + line))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'p.yaml'}: {field}")


def test_the_model_is_frozen() -> None:
    """A guide cannot be changed after it is built."""
    guide = Guide(version="1")
    with pytest.raises(ValidationError):
        guide.version = "2"  # type: ignore[misc]
