"""Ledger import (台账导入): reading the spreadsheets offices keep, and recording their findings."""
