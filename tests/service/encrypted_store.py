"""Fixtures of a store written with a cipher key: modules that import them replace the conftest's own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from flask import Flask

from service import create_app
from service.application import Rectify
from service.config import build_application, load_settings
from tests.service.conftest import with_unit_tree


@pytest.fixture
def key() -> str:
    return AESCipher.create_key(num_bytes=32)


@pytest.fixture
def settings(store_url: str, key: str) -> dict[str, Any]:
    return load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_CIPHER_KEY": key})


@pytest.fixture
def application(settings: dict[str, Any]) -> Iterator[Rectify]:
    """The conftest's application and unit tree, over a store encrypted with `key` (its `client` and `issue` use it)."""
    rectify = with_unit_tree(build_application(settings))
    yield rectify
    rectify.close()


@pytest.fixture
def app(application: Rectify, settings: dict[str, Any]) -> Flask:
    return create_app(settings | {"TESTING": True}, application=application)
