"""Core of the service-hall system: configuration, domain types, MQTT contract, i18n, CLI.

Plain Python with no GUI or device imports, so every part (queue service, kiosk,
window terminal, display, sign-in) can stand on it and tests run without a window.
"""

__version__ = "0.1.0"
