"""Service fixtures: settings with three API keys, a fake core, the app and an HTTP client."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from eligate.service import ApiKey, Settings, create_app, hash_api_key
from tests.service.fakes import FakeCore

NORMALIZE_KEY = "syn-normalize-key-0001"
CLINIC_KEY = "syn-clinic-key-0002"
ADMIN_KEY = "syn-admin-key-0003"
TEST_ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE="


def make_settings(**overrides: object) -> Settings:
    """Settings for the ``test`` environment with a normalize, a clinic and an admin key.

    Each gets a data directory of its own: the audit spool and anchors kept there must
    never carry over from one test's service to another's.
    """
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": Path(tempfile.mkdtemp(prefix="eligate-test-")),
        "encryption_key": TEST_ENCRYPTION_KEY,
        "cache_salt": "test-cache-salt-16+",
        "api_keys": (
            ApiKey(
                name="adapter", scopes=frozenset({"normalize"}), sha256=hash_api_key(NORMALIZE_KEY)
            ),
            ApiKey(
                name="clinic", scopes=frozenset({"eligibility"}), sha256=hash_api_key(CLINIC_KEY)
            ),
            ApiKey(name="ops", scopes=frozenset({"admin"}), sha256=hash_api_key(ADMIN_KEY)),
        ),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def core() -> FakeCore:
    """A fresh scriptable core."""
    return FakeCore()


@pytest.fixture
def app(core: FakeCore) -> FastAPI:
    """The app on test settings and the fake core."""
    return create_app(make_settings(), core=core)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        yield http
