"""Download formats written from plain data (no HTTP, no database): CSV for spreadsheets
(spreadsheet.py). BibTeX and RIS, written from a citation's CSL-JSON item, live in app.citations."""
