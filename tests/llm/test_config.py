"""Model settings from the environment, the prompt file, and what importing loads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eligate.llm import LLMConfig, LLMConfigError
from eligate.prompts import load_prompt


def test_no_endpoint_means_rules_only() -> None:
    """Without both a base URL and a model there is no config, so nothing is sent."""
    assert LLMConfig.from_env({}) is None
    assert LLMConfig.from_env({"ELIGATE_LLM_BASE_URL": "http://127.0.0.1:1/v1"}) is None
    assert LLMConfig.from_env({"ELIGATE_LLM_MODEL": "m"}) is None


def test_every_setting_is_read() -> None:
    """Each ELIGATE_LLM_* variable lands in its field; the key stays secret in repr."""
    config = LLMConfig.from_env(
        {
            "ELIGATE_LLM_BASE_URL": "http://127.0.0.1:1/v1",
            "ELIGATE_LLM_MODEL": "small-model",
            "ELIGATE_LLM_API_KEY": "sk-do-not-print",
            "ELIGATE_LLM_MODE": "md_json",
            "ELIGATE_LLM_MAX_REASKS": "2",
            "ELIGATE_LLM_TOKEN_BUDGET": "3000",
            "ELIGATE_LLM_DEADLINE_SECONDS": "2.5",
            "ELIGATE_LLM_MAX_CONCURRENCY": "3",
            "ELIGATE_LLM_BREAKER_THRESHOLD": "4",
            "ELIGATE_LLM_BREAKER_COOLDOWN_SECONDS": "12",
            "ELIGATE_LLM_MAX_ITEMS": "7",
        }
    )
    assert config is not None
    assert (config.mode, config.max_reasks, config.token_budget) == ("md_json", 2, 3000)
    assert (config.deadline_seconds, config.max_concurrency, config.max_items) == (2.5, 3, 7)
    assert (config.breaker_threshold, config.breaker_cooldown_seconds) == (4, 12.0)
    assert config.api_key.get_secret_value() == "sk-do-not-print"
    assert "sk-do-not-print" not in repr(config)


def test_names_match_in_any_case_like_the_service_settings() -> None:
    """Lower-case names configure the CLI as they do the service; upper case wins a tie."""
    config = LLMConfig.from_env(
        {
            "eligate_llm_base_url": "http://127.0.0.1:1/v1",
            "eligate_llm_model": "lower",
            "ELIGATE_LLM_MODEL": "upper",
            "Eligate_Llm_Max_Items": "5",
        }
    )
    assert config is not None
    assert (config.base_url, config.model, config.max_items) == (
        "http://127.0.0.1:1/v1",
        "upper",
        5,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ELIGATE_LLM_MAX_REASKS", "3"),
        ("ELIGATE_LLM_MODE", "functions"),
        ("ELIGATE_LLM_DEADLINE_SECONDS", "0"),
        ("ELIGATE_LLM_TOKEN_BUDGET", "lots"),
    ],
)
def test_unusable_values_name_the_variable_not_the_value(name: str, value: str) -> None:
    """A bad value is one error naming the variable; the value is not echoed."""
    environ = {"ELIGATE_LLM_BASE_URL": "http://h/v1", "ELIGATE_LLM_MODEL": "m", name: value}
    with pytest.raises(LLMConfigError) as raised:
        LLMConfig.from_env(environ)
    assert raised.value.setting == name
    assert raised.value.code == "llm_config_invalid"
    assert f"'{value}'" not in str(raised.value)


def test_prompt_file_is_versioned() -> None:
    """The prompt loads by name and version; its label is what results record."""
    prompt = load_prompt("propose_benefits", "v1")
    assert prompt.label == "propose_benefits.v1"
    assert "untrusted data" in prompt.text
    assert not prompt.text.startswith("---")


def test_rules_only_imports_no_model_client() -> None:
    """Importing the normalizer, validators and evals does not load openai or instructor."""
    code = (
        "import sys, eligate.normalizer, eligate.validators, eligate.evals;"
        "print(sorted(m for m in ('openai', 'instructor', 'httpx2') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
