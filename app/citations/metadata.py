"""What reference managers read from a statement or paragraph page, built from its CSL-JSON item
(app.citations.csl.csl_item, the one source of the citation's fields):

- Highwire Press `citation_*` meta tags (Zotero's "Embedded Metadata" translator, Google Scholar),
- Dublin Core `DC.*` meta tags (read by the same translator where Highwire says nothing),
- a COinS span (OpenURL ContextObject in a `Z3988` span), and
- schema.org JSON-LD.

All values are plain text; the template escapes them, and the JSON-LD is serialised so that it
cannot close its script element."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from app.citations.csl import original_url, permalink
from app.ingest.name_parts import display_name


@dataclass(frozen=True)
class Embedded:
    meta: list[tuple[str, str]]  # (name, content) of <meta> tags
    coins: str  # the title attribute of the COinS span
    json_ld: str  # the JSON-LD document, safe inside <script type="application/ld+json">


def inverted(name: dict) -> str:
    """A CSL name as "Family, Given" (particles kept with the family name), or the literal name."""
    if "literal" in name:
        return name["literal"]
    family = " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p)
    given = " ".join(p for p in (name.get("given"), name.get("dropping-particle")) if p)
    return f"{family}, {given}" if given else family


def _date(item: dict, sep: str) -> str | None:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    return sep.join(f"{p:0{2 if i else 4}d}" for i, p in enumerate(parts)) if parts else None


def _publisher(item: dict) -> str:
    return item.get("publisher") or item.get("archive") or item.get("container-title", "")


def _language(item: dict) -> str | None:
    """The language subtag when it is known ("en"); "und-Cyrl" says only the script."""
    lang = item.get("language")
    return None if not lang or lang.startswith("und") else lang


def embedded(item: dict, *, paragraph: int | None = None, statement_url: str | None = None) -> Embedded:
    authors = item.get("author", [])
    link, date, lang, original = permalink(item), _date(item, "/"), _language(item), original_url(item)
    meta: list[tuple[str, str]] = [("citation_title", item["title"])]
    meta += [("citation_author", inverted(a)) for a in authors]
    if date:
        meta += [("citation_publication_date", date), ("citation_date", date)]
    meta += [("citation_publisher", _publisher(item)), ("citation_public_url", link)]
    if original:
        meta.append(("citation_abstract_html_url", original))  # the page where it was first published
    if lang:
        meta.append(("citation_language", lang))
    meta += [("DC.title", item["title"])] + [("DC.creator", inverted(a)) for a in authors]
    if date:
        meta.append(("DC.date", date.replace("/", "-")))
    meta += [("DC.publisher", _publisher(item)), ("DC.identifier", link), ("DC.type", "Text")]
    if lang:
        meta.append(("DC.language", lang))
    if original:
        meta.append(("DC.source", original))

    kev = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "webpage"),
        ("rft.title", item["title"]),
    ] + [("rft.creator", inverted(a)) for a in authors]
    if date:
        kev.append(("rft.date", date.replace("/", "-")))
    kev += [("rft.publisher", _publisher(item)), ("rft.identifier", link)]
    if lang:
        kev.append(("rft.language", lang))
    if original:
        kev.append(("rft.source", original))

    doc: dict = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "name": item["title"],
        "url": link,
        "genre": item.get("genre"),
    }
    if authors:
        doc["author"] = [_agent(a) for a in authors]
    if date:
        doc["datePublished"] = date.replace("/", "-")
    doc["publisher"] = {"@type": "Organization", "name": _publisher(item)}
    if original:
        doc["isBasedOn"] = original
    doc["inLanguage"] = lang or None
    if item.get("event-place"):
        doc["locationCreated"] = {"@type": "Place", "name": item["event-place"]}
    if paragraph is not None:
        doc["position"] = paragraph
        if statement_url:
            doc["isPartOf"] = {"@type": "CreativeWork", "url": statement_url, "name": item["title"]}
    doc = {k: v for k, v in doc.items() if v is not None}
    return Embedded(meta=meta, coins=urlencode(kev), json_ld=script_json(doc))


def _agent(name: dict) -> dict:
    if "literal" in name:
        return {"@type": "Organization", "name": name["literal"]}
    out = {
        "@type": "Person",
        "name": display_name(name),
        "familyName": " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p),
    }
    if name.get("given"):
        out["givenName"] = name["given"]
    return out


def script_json(doc: dict) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & as \\u escapes."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
