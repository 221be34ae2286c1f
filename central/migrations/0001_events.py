"""The central record: every hall's events once per (hall, seq), and each hall's frontier."""

from yoyo import step

__depends__: set[str] = set()

steps = [
    step(
        """
        CREATE TABLE halls (
            code        TEXT PRIMARY KEY,
            frontier    BIGINT NOT NULL DEFAULT 0,
            last_epoch  TEXT,
            updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "DROP TABLE halls",
    ),
    step(
        """
        CREATE TABLE events (
            hall          TEXT NOT NULL REFERENCES halls(code),
            seq           BIGINT NOT NULL,
            epoch         TEXT NOT NULL,
            at            TEXT NOT NULL,
            day           DATE NOT NULL,
            type          TEXT NOT NULL,
            data          JSONB NOT NULL,
            collected_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (hall, seq)
        )
        """,
        "DROP TABLE events",
    ),
    step("CREATE INDEX events_day ON events (day, hall)", "DROP INDEX events_day"),
]
