"""ZhianTec R30x / AS608 fingerprint sign-in reader over a serial line, and its simulator.

Templates stay on the module; the hall keeps only page numbers (mapped to staff elsewhere).
"""

from devices.fingerprint.reader import (
    DeviceFault,
    FingerprintReader,
    FingerprintResult,
    SystemParameters,
)

__all__ = ["DeviceFault", "FingerprintReader", "FingerprintResult", "SystemParameters"]
