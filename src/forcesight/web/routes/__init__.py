"""Pages and API routes of the web app's own areas, one module each (see routing.py)."""
