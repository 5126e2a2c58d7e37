"""The LLM proposer over every real-world 271: nothing breaks, no member data is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligate.llm import LLMConfig
from eligate.normalizer import LLMProposer
from eligate.validators import propose_and_gate, schema_reasons
from eligate.x12 import X12InputError
from tests.normalizer.llm_server import LoopbackLLM, liar, oracle

pytestmark = pytest.mark.corpus


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "SOURCES.md")


@pytest.mark.parametrize("script", [oracle, liar], ids=["oracle", "liar"])
def test_every_corpus_file_through_the_model(corpus: Path, script: object) -> None:
    """Schema-valid results for every usable file; no member name, ID or birth date sent."""
    with LoopbackLLM(script) as server:  # type: ignore[arg-type]
        proposer = LLMProposer(LLMConfig(base_url=server.base_url, model="scripted"))
        members: set[str] = set()
        used = 0
        for path in _files(corpus):
            try:
                results = propose_and_gate(path.read_bytes(), proposer=proposer)
            except X12InputError:
                continue
            for result in results:
                assert schema_reasons(json.loads(result.model_dump_json())) == []
                if result.proposals is not None:
                    used += 1
                    assert result.proposals.outcome == "proposed", path.name
                if script is liar:
                    assert [b for b in result.benefits if b.source == "llm"] == []
                for value in (result.member_id, result.last_name, result.first_name):
                    if value and len(value) >= 3:
                        members.add(value)
                if result.birth_date:
                    members.add(result.birth_date.strftime("%Y%m%d"))
        proposer.close()
        sent = b"\n".join(server.bodies).decode()
    assert used >= 1
    leaked = sorted(word for word in members if word in sent)
    assert leaked == []
