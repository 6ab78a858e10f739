-- Coffer catalog, version 3: many nodes on one catalog. A volume lives on the node that made it
-- (its files are in that node's data directory); a job runs on the node it names, which claims it.
-- Rows from before are adopted by the first node that starts (Catalog.adoptUnowned).

ALTER TABLE volumes ADD COLUMN node_id VARCHAR(255);
ALTER TABLE jobs ADD COLUMN node_id VARCHAR(255);
CREATE INDEX jobs_node_status ON jobs (node_id, status);
