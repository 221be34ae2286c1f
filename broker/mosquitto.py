"""Moved to :mod:`runner.mosquitto` and :mod:`hall.net` (issue 7); this alias goes once
every importer has moved."""

from hall.net import free_port, port_open
from runner.mosquitto import BrokerError, Mosquitto

__all__ = ["BrokerError", "Mosquitto", "free_port", "port_open"]
