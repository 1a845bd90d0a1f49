"""The web app: FastAPI pages and JSON API, accounts and roles, sessions, the audit log.

``create_app(url)`` builds the app; ``forcesight serve`` runs it; ``audit.record`` is how every
domain writes to the audit log.
"""
