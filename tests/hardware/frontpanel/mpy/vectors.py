# The shared vectors (kiosk/hardware/frontpanel/vectors.json), as the firmware's tests see
# them; FRONTPANEL_VECTORS names the file.
import json
import os

with open(os.getenv("FRONTPANEL_VECTORS")) as f:
    VECTORS = json.load(f)


def unhex(text):
    return bytes.fromhex(text)
