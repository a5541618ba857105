"""First-boot provisioning: the technician's ``kiosk.toml`` on the boot partition turned into
a configured, enrolled kiosk (``kiosk provision``; docs/provisioning.md).

The pure parts (:mod:`.spec` reads the file, :mod:`.network`, :mod:`.runtime` and
:mod:`.token` render what is written) are apart from the one module that touches disks and the
network (:mod:`.firstboot`), so each rendering is tested without a back-office.
"""
