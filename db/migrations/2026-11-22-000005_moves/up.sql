-- Moves between communities: a person's current residence as known here; a new registration
-- of residence in another community ends the previous one and notifies its registration body;
-- cancelling that registration restores the previous residence and notifies again.
ALTER TABLE persons
  ADD COLUMN residence_action_id uuid REFERENCES registration_actions (id),
  ADD COLUMN residence_body_id uuid REFERENCES registration_bodies (id);

-- What each residence-changing action replaced, so that its cancellation can restore it.
CREATE TABLE residence_changes (
  action_id           uuid PRIMARY KEY REFERENCES registration_actions (id),
  person_id           uuid NOT NULL REFERENCES persons (id),
  previous_action_id  uuid REFERENCES registration_actions (id),
  previous_body_id    uuid REFERENCES registration_bodies (id)
);

CREATE TABLE notifications (
  id                    bigserial PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  kind                  text NOT NULL CHECK (kind IN ('resident_registered_elsewhere','move_cancelled')),
  action_id             uuid NOT NULL REFERENCES registration_actions (id),
  previous_action_id    uuid REFERENCES registration_actions (id),
  effective_date        date NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_body ON notifications (registration_body_id, id);

ALTER TABLE registration_bodies ADD COLUMN notifications_acked bigint NOT NULL DEFAULT 0;
