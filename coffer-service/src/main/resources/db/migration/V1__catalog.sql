-- Coffer catalog, version 1. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are ISO-8601 UTC strings; labels and metadata are JSON objects stored as text.

CREATE TABLE volumes (
    id              VARCHAR(36)  PRIMARY KEY,
    name            VARCHAR(255) NOT NULL,
    driver          VARCHAR(16)  NOT NULL,
    size_bytes      BIGINT       NOT NULL,
    path            TEXT         NOT NULL,
    status          VARCHAR(32)  NOT NULL,
    previous_status VARCHAR(32),
    attached_to     VARCHAR(255),
    labels          TEXT         NOT NULL,
    fail_reason     TEXT,
    created_at      VARCHAR(40)  NOT NULL,
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE UNIQUE INDEX volumes_name ON volumes (name);

CREATE TABLE snapshots (
    id              VARCHAR(36)  PRIMARY KEY,
    name            VARCHAR(255) NOT NULL,
    volume_id       VARCHAR(36)  NOT NULL,
    status          VARCHAR(32)  NOT NULL,
    method          VARCHAR(16)  NOT NULL,
    location        TEXT,
    consistency     VARCHAR(16)  NOT NULL,
    restore_size    BIGINT       NOT NULL,
    freeze_ms       BIGINT,
    duration_ms     BIGINT,
    labels          TEXT         NOT NULL,
    fail_reason     TEXT,
    created_at      VARCHAR(40)  NOT NULL,
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE INDEX snapshots_volume ON snapshots (volume_id);

CREATE TABLE backups (
    id              VARCHAR(36)  PRIMARY KEY,
    name            VARCHAR(255),
    description     TEXT,
    volume_id       VARCHAR(36)  NOT NULL,
    volume_name     VARCHAR(255) NOT NULL,
    volume_size     BIGINT       NOT NULL,
    volume_driver   VARCHAR(16)  NOT NULL,
    snapshot_id     VARCHAR(36),
    repository      VARCHAR(64)  NOT NULL,
    container       VARCHAR(255) NOT NULL,
    status          VARCHAR(32)  NOT NULL,
    fail_reason     TEXT,
    is_incremental  INTEGER      NOT NULL,
    parent_id       VARCHAR(36),
    manifest_id     VARCHAR(64),
    object_count    BIGINT       NOT NULL,
    logical_bytes   BIGINT       NOT NULL,
    stored_bytes    BIGINT       NOT NULL,
    files           BIGINT       NOT NULL,
    duration_ms     BIGINT,
    data_timestamp  VARCHAR(40),
    metadata        TEXT         NOT NULL,
    created_at      VARCHAR(40)  NOT NULL,
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE INDEX backups_volume ON backups (volume_id);
CREATE INDEX backups_parent ON backups (parent_id);

CREATE TABLE jobs (
    id              VARCHAR(36)  PRIMARY KEY,
    kind            VARCHAR(32)  NOT NULL,
    resource_type   VARCHAR(16)  NOT NULL,
    resource_id     VARCHAR(36)  NOT NULL,
    volume_id       VARCHAR(36),
    status          VARCHAR(16)  NOT NULL,
    params          TEXT         NOT NULL,
    bytes_done      BIGINT       NOT NULL,
    bytes_total     BIGINT       NOT NULL,
    files_done      BIGINT       NOT NULL,
    files_total     BIGINT       NOT NULL,
    error           TEXT,
    created_at      VARCHAR(40)  NOT NULL,
    started_at      VARCHAR(40),
    finished_at     VARCHAR(40),
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE INDEX jobs_status ON jobs (status);
CREATE INDEX jobs_resource ON jobs (resource_id);
