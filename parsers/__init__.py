"""Shared parsers: report file bytes -> document model -> report JSON.

    from parsers import parse_bytes, parse_file
    report = parse_file("report.pdf")      # dict in the shape of the parse contract

No network and no Scrapy here: the archive re-parses stored bytes with this.
"""
from .report import PARSER_VERSION, parse_bytes, parse_document, parse_file

__all__ = ["PARSER_VERSION", "parse_bytes", "parse_document", "parse_file"]
