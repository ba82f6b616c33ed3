"""Schemathesis against /api/v1's own OpenAPI document, over real HTTP on a loopback port.

Every operation of the document is called with generated data using a coordinator's
write token, on a copy of the demo database served by werkzeug on 127.0.0.1 (one server
for the module: the generated changes add up, as a real client's would); each
response must not be a server error and must keep to the document: a listed status, the
listed content type, a body that fits the schema, auth really required. Few examples per
operation, so the whole run stays well under a minute.

The document is written once at collection (Schemathesis makes one test per operation
from it); `test_the_tested_document_is_the_served_one` checks the server serves that same
document at /api/v1/openapi.json.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config._checks import (
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
    PositiveDataAcceptanceConfig,
)

MAX_EXAMPLES = 5


def _document() -> dict[str, Any]:
    """The API's document as the app writes it (no database is touched)."""
    from tests.conftest import make_app
    from web.api import api_spec

    app = make_app("sqlite://", Path(tempfile.mkdtemp(prefix="planwork-spec-")))
    with app.test_request_context():
        return api_spec()


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# Data the document calls valid must not be refused as malformed (a 422 would mean the
# document and the validation disagree). A 400 is allowed: it is a domain rule no schema
# can state (a new deadline after the current one, an explanation only when overdue),
# answered with its stable code "invalid_input" and the Vietnamese reason.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=[*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]
)


@dataclass
class Served:
    url: str
    bearer: dict[str, str]


@pytest.fixture(scope="module")
def served(database_factory, tmp_path_factory) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    """The demo database copied once for the module, served on a loopback port."""
    from models import db
    from tests.api.conftest import LiveServer
    from tests.conftest import make_app
    from workflow import tokens

    name = f"api_schemathesis_{uuid.uuid4().hex[:6]}"
    app = make_app(database_factory.copy("tpl_demo", name), tmp_path_factory.mktemp("api"))
    app.config["SERVER_NAME"] = None
    with app.app_context():
        # The tracking unit's coordinator (also a member of a lead unit): the token that
        # may do the most, so generated calls reach the services, not only refusals.
        coordinator = tokens.find_user("gdtx.coordinator")
        secret = tokens.create_token(coordinator.id, None, scope="write", name="schemathesis")
        with LiveServer(app) as server:
            yield Served(server.url, {"Authorization": f"Bearer {secret.secret}"})
        db.session.remove()
        db.engine.dispose()
    database_factory.drop(name)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    # The same examples on every run and nothing written under .hypothesis/: `make test`
    # is reproducible (explore with a larger MAX_EXAMPLES and derandomize off by hand).
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_to_the_document(case, served) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(base_url=served.url, headers=served.bearer)


def test_the_tested_document_is_the_served_one(served) -> None:  # type: ignore[no-untyped-def]
    document = requests.get(f"{served.url}/api/v1/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.1")
    document.pop("servers", None)
    assert document == {k: v for k, v in DOCUMENT.items() if k != "servers"}
    operations = sum(
        1 for item in document["paths"].values() for method in item if method in ("get", "post")
    )
    assert operations == 35
