"""The import tests' database (directory and users, no plans) serves the job tests too."""

from tests.imports.conftest import directory_template, import_app, web  # noqa: F401
