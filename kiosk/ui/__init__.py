"""The pygame user interface: screens render what the kiosk's state says, and turn touches and
keys into events. No card, reader or network code lives here."""
