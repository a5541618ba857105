#!/bin/sh
# After each boot (kiosk-health.service): tell RAUC and U-Boot whether the running slot is
# good. Installed as /usr/libexec/kiosk/health-check.
#
# A slot that booted before and was good (the card as flashed, or the slot we rolled back
# to) is marked good at once: a kiosk whose network is down must not run its own slot's
# boot attempts down. A slot on its first boots after an update is on trial: it is marked
# good only when `kiosk doctor` says the kiosk can serve (exit 0) AND the uplink reached the
# back-office since this boot; if that does not happen within the deadline, the slot is
# marked bad and the kiosk reboots into the other one. If this never runs at all (the new
# slot hangs or panics), U-Boot's attempt counter runs out after three boots and falls back.
#
# Environment (the defaults are the appliance's; the tests point them elsewhere):
#   KIOSK_HEALTH_DEADLINE   seconds a trial slot has to become healthy (300)
#   KIOSK_HEALTH_INTERVAL   seconds between two checks (10)
#   KIOSK_HEALTH_LAST_GOOD  the file naming the last slot marked good (/data/rauc/last-good)
#   KIOSK_HEALTH_DOCTOR     the doctor (kiosk doctor --json)
#   KIOSK_HEALTH_UPLINK     the uplink's status as JSON (kiosk uplink status --json, as the
#                           kiosk's user: the uplink's files are its own, 0700, and this
#                           unit's root has no capability to read them; under qemu, run as
#                           that root, the command failed at every try and the update was
#                           rolled back)
#   KIOSK_HEALTH_REBOOT     how to reboot (systemctl reboot)
#   KIOSK_HEALTH_BOOT_TIME  this boot's start, seconds since the epoch (/proc/stat btime)
set -u

deadline=${KIOSK_HEALTH_DEADLINE:-300}
interval=${KIOSK_HEALTH_INTERVAL:-10}
last_good_file=${KIOSK_HEALTH_LAST_GOOD:-/data/rauc/last-good}
doctor=${KIOSK_HEALTH_DOCTOR:-kiosk doctor --json}
uplink=${KIOSK_HEALTH_UPLINK:-setpriv --reuid=kiosk --regid=kiosk --init-groups kiosk uplink status --json}
reboot=${KIOSK_HEALTH_REBOOT:-systemctl reboot}
boot_time=${KIOSK_HEALTH_BOOT_TIME:-$(awk '$1 == "btime" {print $2}' /proc/stat)}

say() { echo "kiosk-health: $*"; }

booted=$(rauc status --output-format=shell | sed -n "s/^RAUC_SYSTEM_BOOTED_BOOTNAME='\{0,1\}\([^']*\)'\{0,1\}$/\1/p")
if [ -z "$booted" ]; then
    say "RAUC does not know which slot is running; nothing marked"
    exit 1
fi

mark_good() {
    rauc status mark-good booted || exit 1
    mkdir -p "$(dirname "$last_good_file")"
    echo "$booted" >"$last_good_file.new" && mv "$last_good_file.new" "$last_good_file"
    say "slot $booted marked good ($1)"
}

last_good=$(cat "$last_good_file" 2>/dev/null || true)
if [ -z "$last_good" ] || [ "$last_good" = "$booted" ]; then
    mark_good "it was good before"
    exit 0
fi

# The uplink is up when its last contact with the back-office is later than this boot.
uplink_up() {
    $uplink 2>/dev/null | python3 -c '
import datetime, json, sys
try:
    contact = json.load(sys.stdin).get("last_contact")
except (ValueError, AttributeError):  # no status (the command failed): not up
    sys.exit(1)
boot = datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc)
sys.exit(0 if contact and datetime.datetime.fromisoformat(contact) >= boot else 1)
' "$boot_time"
}

say "slot $booted is on trial (the last good one was $last_good)"
# The deadline is in real seconds, the checks' own time included: under qemu one turn of
# kiosk doctor and the uplink's status took some 40 s, and a count of the sleeps alone let
# the check run past its unit's TimeoutStartSec, which killed it with no verdict.
started=$(date +%s)
waited=0
while :; do
    if $doctor >/dev/null 2>&1; then
        if uplink_up; then
            mark_good "kiosk doctor passed and the uplink is up"
            exit 0
        fi
        problem="the uplink has not reached the back-office since this boot"
    else
        problem="kiosk doctor says the kiosk cannot serve"
    fi
    if [ "$waited" -ge "$deadline" ]; then
        break
    fi
    sleep "$interval"
    waited=$(($(date +%s) - started))
done
say "slot $booted failed its trial after ${waited} s: $problem; marking it bad, rebooting"
rauc status mark-bad booted
$reboot
exit 1
