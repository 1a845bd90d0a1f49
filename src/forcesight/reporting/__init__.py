"""Reporting: the Force Management Statement, Excel exports and charts."""
