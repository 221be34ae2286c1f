"""Process management of a hall machine: the Mosquitto launcher, the supervisor, ``hall up``.

Imports hall, broker (to create a new hall's event log) and nothing of the apps:
apps are started as commands (``hall <kind>``), listed in ``config/machine.toml``.
"""
