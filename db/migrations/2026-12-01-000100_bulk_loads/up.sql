-- Bulk loads (п.22 of CMU 207): a register hands over the data it already holds, one
-- registration action per line of an NDJSON file. The upload is one transaction: the load and
-- its lines (COPY), or nothing. A worker then applies the lines in action-date order, one
-- batch per transaction, each batch moving the load's cursor in the same transaction, so that a
-- worker killed at any point resumes where the last commit left it and no line is stored twice
-- (each line also keeps the (body, external_id) idempotency of the single endpoint).

CREATE TABLE bulk_loads (
  id                    uuid PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  -- The client's Idempotency-Key, when it sent one.
  load_key              text CHECK (load_key ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$'),
  -- SHA-256 of the file as uploaded (after gzip is undone): the same file again is the same load.
  file_sha256           bytea NOT NULL CHECK (length(file_sha256) = 32),
  file_bytes            bigint NOT NULL CHECK (file_bytes >= 0),
  state                 text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','running','done')),
  lines_received        integer NOT NULL CHECK (lines_received >= 0),
  lines_stored          integer NOT NULL DEFAULT 0,
  lines_replayed        integer NOT NULL DEFAULT 0,
  lines_refused         integer NOT NULL DEFAULT 0,
  -- The last line applied, in the worker's order (sort_date, line_no).
  cursor_date           date NOT NULL DEFAULT '0001-01-01',
  cursor_line           integer NOT NULL DEFAULT 0,
  received_at           timestamptz NOT NULL,
  started_at            timestamptz,
  finished_at           timestamptz,
  channel               text NOT NULL,
  transport_client      text,
  transport_query_id    text,
  transport_user_id     text,
  request_id            text NOT NULL,
  UNIQUE (registration_body_id, file_sha256),
  UNIQUE (registration_body_id, load_key),
  CHECK (lines_stored + lines_replayed + lines_refused <= lines_received)
);
CREATE INDEX bulk_loads_open ON bulk_loads (received_at) WHERE state <> 'done';

-- The lines exactly as received. `sort_date` is the line's action date as far as it could be
-- read ('0001-01-01' when not: such a line is refused first); `defect` marks a line that could
-- not be kept as text (not UTF-8, or longer than a single request may be).
CREATE TABLE bulk_load_lines (
  load_id      uuid NOT NULL,
  line_no      integer NOT NULL CHECK (line_no > 0),
  sort_date    date NOT NULL,
  external_id  text,
  defect       text CHECK (defect IN ('not_utf8','too_long')),
  raw          text NOT NULL,
  PRIMARY KEY (load_id, line_no)
);
CREATE INDEX bulk_load_lines_order ON bulk_load_lines (load_id, sort_date, line_no);

-- A line refused when it was applied: the same problem the single endpoint would answer.
CREATE TABLE bulk_load_refusals (
  load_id  uuid NOT NULL REFERENCES bulk_loads (id),
  line_no  integer NOT NULL,
  problem  jsonb NOT NULL,
  PRIMARY KEY (load_id, line_no)
);

-- A person found resident in two communities at once by history: the loaded action moved them
-- in while another body's residence action (newer or older) stood. Moves found in history
-- notify nobody; DMS staff resolve these.
CREATE TABLE bulk_load_conflicts (
  id               bigserial PRIMARY KEY,
  load_id          uuid NOT NULL REFERENCES bulk_loads (id),
  line_no          integer NOT NULL,
  person_id        uuid NOT NULL REFERENCES persons (id),
  action_id        uuid NOT NULL REFERENCES registration_actions (id),
  other_action_id  uuid NOT NULL REFERENCES registration_actions (id),
  other_body_id    uuid NOT NULL REFERENCES registration_bodies (id),
  found_at         timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE registration_actions
  ADD COLUMN historical boolean NOT NULL DEFAULT false,
  ADD COLUMN bulk_load_id uuid REFERENCES bulk_loads (id),
  ADD CONSTRAINT registration_actions_historical_check
    CHECK (historical = (bulk_load_id IS NOT NULL) AND NOT (historical AND late));

GRANT SELECT, INSERT ON bulk_loads, bulk_load_lines, bulk_load_refusals, bulk_load_conflicts
  TO dms_runtime;
GRANT UPDATE (state, lines_stored, lines_replayed, lines_refused, cursor_date, cursor_line,
  started_at, finished_at) ON bulk_loads TO dms_runtime;
GRANT USAGE ON SEQUENCE bulk_load_conflicts_id_seq TO dms_runtime;
