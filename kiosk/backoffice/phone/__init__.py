""""Continue with smartphone" (DESIGN.md §5): the kiosk shows a QR with a one-time URL of the
back-office; on the phone the back-office, an OpenID relying party (oidc.py), sends the
citizen to the Comune's provider and shows a short code after the login (pages.py); the
citizen types the code on the kiosk, which redeems it over the kiosk API (api/phone.py). The
logins live in the database (store.py), by digest only (tokens.py).
"""
