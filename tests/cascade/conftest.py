"""The cascade tests run on the import tests' database: the directory and demo users, no
plans (so 2417/KH-SGDĐT is imported from its seed, as a coordinator would)."""

from tests.imports.conftest import directory_template, import_app, web  # noqa: F401
