-- shiwa hub, schema 1 (PostgreSQL). Times are integer nanoseconds since the Unix epoch.
CREATE TABLE nodes (
    node_id            TEXT PRIMARY KEY NOT NULL,
    api_key_sha256     BYTEA NOT NULL,
    retrieval_hash     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    report_interval_s  BIGINT NOT NULL,
    ports_json         TEXT NOT NULL DEFAULT '[]',
    blocked            BOOLEAN NOT NULL DEFAULT FALSE,
    maintenance        BOOLEAN NOT NULL DEFAULT FALSE,
    state              TEXT NOT NULL DEFAULT 'new',
    state_since        BIGINT NOT NULL,
    last_seen          BIGINT,
    backup_version     BIGINT NOT NULL DEFAULT 0,
    last_sent_at       BIGINT,
    last_clock_state   TEXT,
    last_synchronized  BOOLEAN,
    last_offset_ns     BIGINT,
    last_frequency_ppb DOUBLE PRECISION,
    last_path_delay_ns BIGINT,
    last_source        TEXT,
    host_json          TEXT
);

CREATE TABLE reports (
    node_id         TEXT NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    report_id       TEXT NOT NULL,
    sent_at         BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    clock_state     TEXT NOT NULL,
    synchronized    BOOLEAN NOT NULL,
    offset_ns       BIGINT,
    frequency_ppb   DOUBLE PRECISION NOT NULL,
    path_delay_ns   BIGINT,
    selected_source TEXT,
    body            TEXT NOT NULL,
    PRIMARY KEY (node_id, report_id)
);
CREATE INDEX reports_by_node_time ON reports (node_id, sent_at);
CREATE INDEX reports_by_received ON reports (received_at);

CREATE TABLE events (
    node_id     TEXT NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    time        BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    event_type  TEXT NOT NULL,
    severity    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (node_id, event_id)
);
CREATE INDEX events_by_time ON events (time);
CREATE INDEX events_by_node_time ON events (node_id, time);

CREATE TABLE backups (
    node_id     TEXT NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    backup_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (node_id, backup_id),
    UNIQUE (node_id, version)
);

CREATE TABLE port_status (
    node_id    TEXT NOT NULL REFERENCES nodes (node_id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    port       BIGINT NOT NULL,
    checked_at BIGINT NOT NULL,
    up         BOOLEAN NOT NULL,
    latency_us BIGINT,
    error      TEXT,
    PRIMARY KEY (node_id, name)
);

CREATE TABLE notifications (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time     BIGINT NOT NULL,
    node_id  TEXT,
    event_id TEXT,
    channel  TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX notifications_by_time ON notifications (time);
