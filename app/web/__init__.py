"""The web layer: FastAPI + Jinja pages and the JSON API over the archive (`create_app`)."""
