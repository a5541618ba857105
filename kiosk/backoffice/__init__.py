"""The reference back-office: the kiosk API behind nginx's mutual TLS, the database and its
migrations, the back-office CA and enrollment (DESIGN.md §5). Installed with the extra
``cie-kiosk[backoffice]``; it never imports the kiosk's UI, hardware or journeys.
"""
