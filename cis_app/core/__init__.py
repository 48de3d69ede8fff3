"""The domain rules of cis_app as plain Python.

Nothing in this package imports frappe: it takes and returns plain values, dicts and
DataFrames, so it is tested by ``pytest`` on any machine. The Frappe layer (controllers,
reports, permission hooks) loads rows, calls these functions and stores or shows the result.
"""
