"""Hall hardware behind small adapters, each with a simulator speaking the same protocol.

- ``devices.printer``: ESC/POS ticket printer (python-escpos) and its virtual printer.
- ``devices.scanner``: camera (pyzbar + OpenCV) and serial / keyboard-wedge scanners.
- ``devices.fingerprint``: ZhianTec R30x / AS608 sign-in reader (pyserial) and a pty simulator.
"""
