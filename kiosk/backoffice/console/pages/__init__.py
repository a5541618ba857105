"""The console's page groups, one module each: ``routes(console)`` and ``MENU`` (the menu
entries it offers, with the role each needs)."""
