"""The queue service: single writer of hall state, its event log, rules and the hall's broker.

- ``state``: the hall's state as a fold over events; ``engine``: commands -> events;
  ``rules``: which ticket a window calls, waits, opening hours; ``store``: the SQLite log;
  ``service``: the MQTT side; ``snapshots``: retained views;
  ``mosquitto``, ``acl``, ``passwd``: the hall's own broker; ``supervisor``: ``hall up``.
"""
