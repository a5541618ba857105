"""The hardware abstraction layer: one interface per device kind, real and virtual backends
side by side, as gpiozero puts devices over swappable pin factories and nfcpy puts many
drivers behind one frontend. Backends import their library at the top of their own module
and are loaded only when chosen, so this package imports on any machine.
"""
