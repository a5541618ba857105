"""The kiosk API, one module per concern (kiosk/uplink/schemas.py lists the paths); each
module's ``routes`` takes the :class:`~kiosk.backoffice.api.context.ApiContext` the app
factory built.
"""
