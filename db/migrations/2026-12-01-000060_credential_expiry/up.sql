-- Optional expiry of credentials: after expires_at a credential authenticates no one (as if
-- unknown). Set when the credential is issued; the runtime role's table-level INSERT covers it.
ALTER TABLE credentials ADD COLUMN expires_at timestamptz;
ALTER TABLE staff_tokens ADD COLUMN expires_at timestamptz;
