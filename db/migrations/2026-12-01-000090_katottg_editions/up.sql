-- Which edition of the codifier is in use: each import records the file it came from (its name
-- and SHA-256) and how many objects it held, in the import's transaction. Vendors read the
-- latest with the codifier lookup; the runtime role only reads.
CREATE TABLE katottg_editions (
  id           bigserial PRIMARY KEY,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  source       text NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  entries      integer NOT NULL CHECK (entries >= 0)
);
GRANT SELECT ON katottg_editions TO dms_runtime;
-- The lookup by name within a parent.
CREATE INDEX katottg_parent ON katottg (parent);
