"""The /api/v1 blueprint, shared by the modules that add its routes."""

from __future__ import annotations

from apiflask import APIBlueprint

from web.api.errors import register_blueprint_handlers

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="PlanWork")
register_blueprint_handlers(bp)

# The errors each kind of operation may answer besides its own (documented in the spec, so
# a client, and Schemathesis, know every status it can meet).
READ_ERRORS = [400]
WRITE_ERRORS = [400, 403, 409]
