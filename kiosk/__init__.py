"""Touchscreen kiosk (Kivy): pick a service or scan a barcode, get a printed ticket.

Arrives with its own issue; it stands on ``hall`` (config, MQTT client, i18n) and
``devices`` (printer, scanner).
"""
