"""Spreadsheets in and out: the one place that reads and writes cells.

- ``cells``: what an Excel cell holds exactly (15 digits, dates from 1900, 32,767
  characters, no control characters), and the text to write where it cannot;
- ``reading``: the rows of an .xlsx sheet (streamed, bounded, as text or typed
  values) or a CSV file; used by the registry import and the response import;
- ``xlsx``: the export's workbook writer: rows streamed straight to sheet XML, text
  that can never become a formula, styles (percentages, bold headers, wrapped text),
  column widths, frozen headers, autofilters and charts through openpyxl.
"""
