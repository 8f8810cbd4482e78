-- Schema 7: the school's signing keys (for the signed county bundle), and the county
-- reviewer's side: registered schools with their public keys, ingested bundles and the
-- students they list (for the cross-school check).
-- Whether an installation is a school's or the county's is the meta key 'mode'
-- ('school' when absent, or 'county'; see settings.rs).

-- The school's minisign (Ed25519) key pairs. One current key (retired_at IS NULL); rotation
-- retires it and keeps its public key, so that bundles signed before still verify.
CREATE TABLE signing_key (
    id         TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,                -- minisign key id: 16 upper-case hex digits
    public_key TEXT NOT NULL,                -- the public key line (base64) of the .pub file
    secret_box TEXT NOT NULL DEFAULT '',     -- minisign secret key box, encrypted (scrypt) with the
                                             -- principal's passphrase; emptied when the key retires
    retired_at TEXT,                         -- NULL while current
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX signing_key_id_alive ON signing_key (key_id) WHERE deleted_at IS NULL;
-- At most one current key.
CREATE UNIQUE INDEX signing_key_current ON signing_key ((retired_at IS NULL))
    WHERE deleted_at IS NULL AND retired_at IS NULL;

-- County side: the schools whose bundles this installation accepts.
CREATE TABLE county_school (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,                -- school identification code (学校标识码)
    name       TEXT NOT NULL DEFAULT '',     -- '' until given at registration or learnt from a verified bundle
    town       TEXT NOT NULL DEFAULT '',
    district   TEXT NOT NULL DEFAULT '',     -- supervision district (督学责任区)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX county_school_code_alive ON county_school (code) WHERE deleted_at IS NULL;

-- Every public key registered for a school; old keys stay so that older bundles still verify.
CREATE TABLE county_key (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES county_school (id),
    key_id      TEXT NOT NULL,
    public_key  TEXT NOT NULL,               -- the public key line (base64) as registered
    fingerprint TEXT NOT NULL,               -- SHA-256 of the public key, as on the cover sheet
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE UNIQUE INDEX county_key_id_alive ON county_key (key_id) WHERE deleted_at IS NULL;
CREATE INDEX county_key_school ON county_key (school_id) WHERE deleted_at IS NULL;

-- Verified bundles. The live one per (school, term) is the newest; a newer bundle tombstones
-- the one it replaces, and an older one is refused.
CREATE TABLE county_bundle (
    id             TEXT PRIMARY KEY,
    school_id      TEXT NOT NULL REFERENCES county_school (id),
    term           TEXT NOT NULL,
    exported_at    TEXT NOT NULL,            -- the bundle's createdAt (RFC 3339 UTC), as signed
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,            -- of the .huka.zip
    key_id         TEXT NOT NULL,
    format_version INTEGER NOT NULL,
    software       TEXT NOT NULL DEFAULT '',
    school_name    TEXT NOT NULL DEFAULT '', -- as the bundle names the school
    town           TEXT NOT NULL DEFAULT '',
    district       TEXT NOT NULL DEFAULT '',
    summary        TEXT NOT NULL,            -- summary.json as ingested (JSON)
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    deleted_at     TEXT
) STRICT;
CREATE UNIQUE INDEX county_bundle_live ON county_bundle (school_id, term) WHERE deleted_at IS NULL;
CREATE INDEX county_bundle_term ON county_bundle (term) WHERE deleted_at IS NULL;

-- The registered-poor students a bundle lists: a part of the bundle row, written and deleted
-- with it (no meta of its own). Holds no full ID number: the masked form to show, and a
-- SHA-256 digest of the normalized number only to find the same person in two schools.
CREATE TABLE county_student (
    bundle_id TEXT NOT NULL REFERENCES county_bundle (id),
    id_digest TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    name      TEXT NOT NULL,
    stage     TEXT NOT NULL DEFAULT '',
    grade     INTEGER,
    class_name TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX county_student_bundle ON county_student (bundle_id);
CREATE INDEX county_student_digest ON county_student (id_digest);
