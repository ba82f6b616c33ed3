"""The job tests use the import tests' database (directory and users, no plans) and the
inspection tests' year of activity on the demo plans."""

from tests.imports.conftest import directory_template, import_app, web  # noqa: F401
from tests.inspection.conftest import year  # noqa: F401
