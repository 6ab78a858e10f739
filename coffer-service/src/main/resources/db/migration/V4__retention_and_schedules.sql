-- Coffer catalog, version 4: backups that expire, and schedules that make them.

ALTER TABLE backups ADD COLUMN expires_at VARCHAR(40);
CREATE INDEX backups_expires ON backups (expires_at);

-- A schedule backs up one volume or instance at the times of a cron expression and applies its
-- keep policy to the backups it made (labelled backup.coffer.io/schedule: NAME).
CREATE TABLE schedules (
    id              VARCHAR(36)  PRIMARY KEY,
    name            VARCHAR(255) NOT NULL,
    target_type     VARCHAR(16)  NOT NULL,
    target_id       VARCHAR(36)  NOT NULL,
    cron            VARCHAR(255) NOT NULL,
    time_zone       VARCHAR(64)  NOT NULL,
    policy          TEXT         NOT NULL,
    verify_cron     VARCHAR(255),
    paused          INTEGER      NOT NULL,
    runs            BIGINT       NOT NULL,
    next_run_at     VARCHAR(40),
    last_run_at     VARCHAR(40),
    last_outcome    TEXT,
    last_backup_id  VARCHAR(36),
    next_verify_at  VARCHAR(40),
    last_verify_at  VARCHAR(40),
    last_verify_outcome TEXT,
    created_at      VARCHAR(40)  NOT NULL,
    updated_at      VARCHAR(40)  NOT NULL
);
CREATE UNIQUE INDEX schedules_name ON schedules (name);
