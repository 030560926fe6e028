"""Plans in and out of the store: YAML files, the Tool A Excel workbook, the status sheet."""
