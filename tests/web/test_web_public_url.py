"""Citations and feeds use ARCHIVE_PUBLIC_URL when it is set, not the Host header a client sent."""

from __future__ import annotations

from tests.web_support import make_client, soup


def test_citation_permalink_uses_the_public_url_not_the_host_header(seeded_archive):
    data = seeded_archive
    with make_client(
        data, settings={"public_url": "https://archive.example.org/", "allowed_hosts": "*"}
    ) as client:
        statements = client.get("/api/statements").json()
        key = statements["results"][0]["key"]
        page = client.get(f"/statements/{key}", headers={"host": "evil.example"})
        assert page.status_code == 200
        permalink = soup(page).select_one("#permalink")["href"]
        assert permalink == f"https://archive.example.org/statements/{key}"
        assert "evil.example" not in page.text
    with make_client(data) as client:  # without the setting: the URL the client used
        page = client.get(f"/statements/{key}")
        assert soup(page).select_one("#permalink")["href"] == f"http://testserver/statements/{key}"
