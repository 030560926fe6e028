"""Tables and charts behind the workbooks: pure functions of the tidy outcome table and records.

`workbook.analysis.needs` serves notebook 01 (needs assessment), `workbook.analysis.rootcause`
notebook 02 (root cause analysis). Nothing here reads files or displays anything.
"""
