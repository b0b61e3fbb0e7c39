"""Download formats written from plain data (no HTTP, no database): BibTeX and RIS from a
CSL-JSON item (bibtex.py, ris.py), CSV for spreadsheets (spreadsheet.py)."""
