"""Pages go out compressed to clients that ask; static files are versioned and cached."""

from __future__ import annotations

import re

from tests.foundation.web import login


def test_pages_are_compressed_when_asked(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    plain = client.get("/dashboard/")
    packed = client.get("/dashboard/", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.get_data()) < len(plain.get_data()) / 3


def test_static_files_are_versioned_and_cached_for_a_year(client):  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{12})"', page)
    assert href, "the stylesheet's URL carries its content's hash"
    response = client.get(href.group(1))
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_exports_carry_an_etag_and_answer_304(client):  # noqa: ANN001
    login(client, "gdtx.member")
    first = client.get("/my-tasks?format=csv")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/my-tasks?format=csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_a_static_file_is_closed_even_when_the_client_drops_the_connection(app):  # noqa: ANN001
    """A browser that cancels a favicon leaves the server without calling the body's
    close(); the file must already be closed, or it leaks a handle (a ResourceWarning)."""
    import gc
    import warnings

    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path="/static/favicon.svg").get_environ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body = app(environ, lambda status, headers, exc_info=None: None)
        assert b"<svg" in b"".join(body)
        del body  # dropped without close(), as werkzeug's server does on a lost client
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not leaks, leaks
