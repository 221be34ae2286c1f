"""Many halls: a central PostgreSQL record fed by bridged hall brokers (issue 13).

A hall never depends on the centre: its own Mosquitto bridges ``events`` (and retained
state) to a central Mosquitto with the bridge's own queue; the collector (``hall central
collect``) writes every event once per (hall, seq) into PostgreSQL and pulls any gap from the
hall's responder (``hall central respond``), which reads the hall's log read-only.
"""
