-- Schema 11: several computers, one school. Each field of each record has a clock — the hybrid
-- logical time of its last write and the device that made it — and the highest clock wins
-- when two devices' copies meet. Each device keeps the newest write it holds of every device
-- (`sync_seen`), what each peer said it held (`sync_peer`), the records two devices both
-- created under one natural key and which one they became (`sync_merge`), and the field
-- values that lost to a concurrent write, for a person to keep or swap (`sync_conflict`,
-- itself a record, so every device lists the same ones).
CREATE TABLE sync_clock (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    clocks    TEXT NOT NULL,               -- {"field": "hlc device", …}
    PRIMARY KEY (tbl, record_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_seen (
    device    TEXT PRIMARY KEY,
    hlc       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_peer (
    device        TEXT PRIMARY KEY,
    seen          TEXT NOT NULL,           -- its sync_seen as its last file said, JSON
    audit         TEXT NOT NULL DEFAULT '{}', -- the audit entries it held, per device, JSON
    last_exchange TEXT NOT NULL,           -- UTC: when its last file was read here
    files         INTEGER NOT NULL DEFAULT 0,
    account       TEXT NOT NULL DEFAULT '' -- who wrote that file, as it said
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_merge (
    loser_id  TEXT PRIMARY KEY,
    winner_id TEXT NOT NULL,
    tbl       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_conflict (
    id          TEXT PRIMARY KEY,          -- a digest of table, record, field and the losing clock
    tbl         TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    kept_value  TEXT NOT NULL,             -- JSON
    kept_clock  TEXT NOT NULL,             -- "hlc device"
    kept_by     TEXT NOT NULL DEFAULT '',  -- account id
    lost_value  TEXT NOT NULL,             -- JSON
    lost_clock  TEXT NOT NULL,
    lost_by     TEXT NOT NULL DEFAULT '',
    resolution  TEXT NOT NULL DEFAULT '',  -- '' open, 'kept', 'swapped'
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    deleted_at  TEXT
) STRICT;
CREATE INDEX sync_conflict_open ON sync_conflict (tbl, record_id) WHERE resolution = '' AND deleted_at IS NULL;
