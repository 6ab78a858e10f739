-- Coffer catalog, version 2: database instances, and what a backup knows of the instance it copied.

CREATE TABLE instances (
    id              VARCHAR(36)  PRIMARY KEY,
    name            VARCHAR(255) NOT NULL,
    engine          VARCHAR(16)  NOT NULL,
    volume_id       VARCHAR(36)  NOT NULL,
    data_subdir     TEXT         NOT NULL,
    host            VARCHAR(255),
    port            INTEGER,
    socket_dir      TEXT,
    db_user         VARCHAR(255),
    password_ref    TEXT,
    status          VARCHAR(32)  NOT NULL,
    managed         INTEGER      NOT NULL,
    pid             BIGINT,
    labels          TEXT         NOT NULL,
    fail_reason     TEXT,
    created_at      VARCHAR(40)  NOT NULL,
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE UNIQUE INDEX instances_name ON instances (name);

ALTER TABLE backups ADD COLUMN instance_id VARCHAR(36);
ALTER TABLE backups ADD COLUMN facts TEXT;
CREATE INDEX backups_instance ON backups (instance_id);
