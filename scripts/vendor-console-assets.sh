#!/usr/bin/env bash
# Refresh the console's vendored assets (kiosk/backoffice/console/static/vendor/) from the npm
# registry, at the versions pinned here; the package docstring of kiosk.backoffice.console says
# why they are vendored rather than built at install time. Review the diff, then commit.
set -euo pipefail
BOOTSTRAP_ITALIA=2.18.3
CHARTJS=4.6.2
cd "$(dirname "$0")/.."
VENDOR=kiosk/backoffice/console/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "bootstrap-italia@$BOOTSTRAP_ITALIA" "chart.js@$CHARTJS" >/dev/null)
tar xzf "$WORK/bootstrap-italia-$BOOTSTRAP_ITALIA.tgz" -C "$WORK" && mv "$WORK/package" "$WORK/bi"
tar xzf "$WORK/chart.js-$CHARTJS.tgz" -C "$WORK" && mv "$WORK/package" "$WORK/chartjs"
rm -rf "$VENDOR" && mkdir -p "$VENDOR/bootstrap-italia/fonts" "$VENDOR/chartjs"
cp "$WORK/bi/dist/css/bootstrap-italia.min.css" "$WORK/bi/LICENSE" \
   "$VENDOR/bootstrap-italia/"
for face in regular italic 600 700; do
    cp "$WORK/bi/dist/fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-$face.woff2" \
       "$VENDOR/bootstrap-italia/fonts/"
done
cp "$WORK/bi/dist/fonts/Titillium_Web/OFL.txt" "$VENDOR/bootstrap-italia/fonts/"
cp "$WORK/chartjs/dist/chart.umd.min.js" "$WORK/chartjs/LICENSE.md" "$VENDOR/chartjs/"
echo "bootstrap-italia $BOOTSTRAP_ITALIA and chart.js $CHARTJS are in $VENDOR"
