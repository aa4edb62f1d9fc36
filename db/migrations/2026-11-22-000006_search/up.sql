-- Staff search of registration actions by the person's identifiers (every search is audited).
CREATE INDEX registration_actions_rnokpp ON registration_actions ((body->'person'->>'rnokpp'))
  WHERE body->'person' ? 'rnokpp';
CREATE INDEX registration_actions_document ON registration_actions ((body->'person'->'document'->>'number'));
CREATE INDEX registration_actions_surname_birth ON registration_actions
  (lower(body->'person'->>'surname'), (body->'person'->>'birth_date'));
