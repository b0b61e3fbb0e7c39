"""Ingestion: raw page bytes -> parsed statements (pure) -> database rows."""
