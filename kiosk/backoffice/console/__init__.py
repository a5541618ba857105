"""The clerks' console: server-rendered pages under ``/console/`` on nginx's web listener
(nginx.CONSOLE_PREFIX), for clerks, technicians and the Comune's admin.

How it is put together, one concern per module:

- ``app.py`` builds the mounted application from the API's context: the pages' routes, the
  signed session cookie, the static files, the coded error pages.
- ``keys.py`` (the session key, made once in the state directory), ``accounts.py`` (people,
  roles, argon2id, TOTP), ``throttle.py`` (wrong passwords counted in the database),
  ``audit.py`` (what console users did), ``csrf.py``, ``i18n.py`` and ``templates.py``
  (Jinja2 with gettext catalogues, Italian first), ``web.py`` (what every page handler
  shares: who is signed in, rendering, refusals), ``nav.py`` (the menu).
- ``pages/``: one module per page group (sign-in, board and its live feed, the tickets, help
  alerts, technicians, statistics, the audit log, the user's own account). Each module gives
  its routes and its menu entries; app.py lists the modules, so a new page group is one more
  module and one more line there.

The stylesheet is Bootstrap Italia (Designers Italia's kit, npm ``bootstrap-italia``) and the
charts are Chart.js, both **vendored** in ``static/vendor/`` with their licences (BSD-3 and
MIT; Titillium Web under the OFL), at the versions ``scripts/vendor-console-assets.sh``
names and fetches again with ``npm pack``. Not built at install time: the back-office is
installed with pip on a Comune's server, which needs neither Node nor the npm registry this
way; the built files are what a browser loads anyway, so building them ourselves would add a
toolchain and change nothing they contain; and a pinned copy in git is reviewed like code.
Only what the pages use is kept (the minified CSS, four Titillium Web faces,
Chart.js's UMD build): Bootstrap Italia's 1 MB JavaScript bundle is left out, the pages need
none of its widgets.

Live updates are a small ``fetch`` poll (static/console.js), once a second, of a JSON feed
that the page's server-rendered rows are updated from: stateless workers answer it from the
database, a poll survives any worker's restart, and nothing else on the page (a message being
typed into a lock form) is redrawn.
"""
