-- Coffer catalog, version 5: how each repository's usage grew, for the dashboard's charts.
-- A sample is written when a backup or a deletion changes a repository's totals. raw_bytes: the
-- bytes the backups added before compression (null while a backup from before it was recorded lives).
CREATE TABLE usage_samples (
    id              VARCHAR(36)  PRIMARY KEY,
    repository      VARCHAR(255) NOT NULL,
    taken_at        VARCHAR(40)  NOT NULL,
    backups         BIGINT       NOT NULL,
    logical_bytes   BIGINT       NOT NULL,
    stored_bytes    BIGINT       NOT NULL,
    raw_bytes       BIGINT
);
CREATE INDEX usage_samples_time ON usage_samples (taken_at);
