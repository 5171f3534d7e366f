"""Storage: raw bytes content-addressed, capture rows, WARC, the SQLite archive, export."""
