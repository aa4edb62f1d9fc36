//! The intake's SQL: one statement opens the action (its checks and its DMS number), one closes
//! it (confirmation, feed item, moves between communities, audit row). Each is a cached prepared
//! statement ([`crate::prepared`]), so an intake is two round trips:
//! `BEGIN`, the lock, [`OpenPerson`] or [`OpenCancellation`]; then [`Close`] and `COMMIT`.

use crate::prepared::sql;
use diesel::sql_types::{Bool, Nullable, Text, Uuid};

sql!(
    /// The idempotency lock: concurrent submissions under one key queue here; each later one then
    /// sees the committed action (the next statement takes a fresh snapshot).
    Lock,
    Bool,
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
);

sql!(
    /// An action about a person: the person (created or found), whether the key is taken, the
    /// territorial ban on the address if any, and, only when neither, the action with the next
    /// DMS number of the year (so a retry, a duplicate or a banned action takes no number).
    /// A ban ended early lasts until its end's last day (never later than its own `to_date`).
    ///
    /// `$1` person id, `$2` person key, `$3` УНЗР, `$4` registration body, `$5` external id,
    /// `$6` the address's КАТОТТГ and every territory above it, `$7` action date, `$8` action id,
    /// `$9` action type, `$10` КАТОТТГ, `$11` body, `$12` its SHA-256, `$13` schema version,
    /// `$14` received at, `$15` numbering year, `$16` late, `$17` channel, `$18` Трембіта client,
    /// `$19` query id, `$20` user id, `$21` request id.
    OpenPerson,
    (Uuid, Bool, Nullable<Uuid>, Nullable<Uuid>, Bool, Nullable<Text>, Nullable<Text>),
    "WITH person AS ( \
       INSERT INTO persons AS p (id, person_key, unzr) VALUES ($1, $2, $3) \
       ON CONFLICT (person_key) DO UPDATE SET updated_at = now() \
       RETURNING p.id, p.register_entry, p.residence_action_id, p.residence_body_id), \
     taken AS ( \
       SELECT EXISTS (SELECT 1 FROM registration_actions \
                      WHERE registration_body_id = $4 AND external_id = $5) AS taken), \
     ban AS ( \
       SELECT tr.legal_basis FROM territory_restrictions tr \
       LEFT JOIN territory_restriction_ends tre ON tre.restriction_id = tr.id \
       WHERE tr.katottg = ANY ($6) AND tr.from_date <= $7 \
         AND (tre.last_day >= $7 \
              OR (tre.last_day IS NULL AND (tr.to_date IS NULL OR tr.to_date >= $7))) \
       ORDER BY tr.from_date LIMIT 1), \
     action AS ( \
       INSERT INTO registration_actions (id, registration_body_id, external_id, action_type, \
         action_date, person_id, katottg, body, body_sha256, schema_version, received_at, \
         dms_number, late, channel, transport_client, transport_query_id, transport_user_id, \
         request_id) \
       SELECT $8, $4, $5, $9, $7, person.id, $10, $11, $12, $13, $14, next_dms_number($15), \
         $16, $17, $18, $19, $20, $21 \
       FROM person \
       WHERE NOT (SELECT taken FROM taken) AND NOT EXISTS (SELECT 1 FROM ban) \
       RETURNING dms_number) \
     SELECT person.id, person.register_entry, person.residence_action_id, \
       person.residence_body_id, (SELECT taken FROM taken), (SELECT legal_basis FROM ban), \
       (SELECT dms_number FROM action) \
     FROM person"
);

sql!(
    /// A cancellation: whether the key is taken, the target among the body's own actions (by DMS
    /// number or id) with its person and whether it is already cancelled, and, only when the
    /// key is free and the target may be cancelled, the cancellation with the next DMS number.
    ///
    /// `$1` registration body, `$2` external id, `$3` target's DMS number, `$4` target's id,
    /// `$5` action id, `$6` action date, `$7` body, `$8` its SHA-256, `$9` schema version,
    /// `$10` received at, `$11` numbering year, `$12` late, `$13` channel, `$14` Трембіта client,
    /// `$15` query id, `$16` user id, `$17` request id, `$18` action type, `$19` КАТОТТГ (the
    /// table's checks hold a cancellation to its type and to no address).
    OpenCancellation,
    (
        Bool,
        Nullable<Uuid>,
        Nullable<Text>,
        Nullable<Uuid>,
        Nullable<Bool>,
        Bool,
        Nullable<Text>
    ),
    "WITH taken AS ( \
       SELECT EXISTS (SELECT 1 FROM registration_actions \
                      WHERE registration_body_id = $1 AND external_id = $2) AS taken), \
     target AS ( \
       SELECT a.id, a.action_type, a.person_id, p.register_entry, \
         EXISTS (SELECT 1 FROM registration_actions c WHERE c.cancels_action_id = a.id) \
           AS cancelled \
       FROM registration_actions a LEFT JOIN persons p ON p.id = a.person_id \
       WHERE a.registration_body_id = $1 AND (a.dms_number = $3 OR a.id = $4) \
       LIMIT 1), \
     action AS ( \
       INSERT INTO registration_actions (id, registration_body_id, external_id, action_type, \
         action_date, person_id, katottg, cancels_action_id, body, body_sha256, \
         schema_version, received_at, dms_number, late, channel, transport_client, \
         transport_query_id, transport_user_id, request_id) \
       SELECT $5, $1, $2, $18, $6, NULL, $19, target.id, $7, $8, $9, $10, \
         next_dms_number($11), $12, $13, $14, $15, $16, $17 \
       FROM target \
       WHERE NOT (SELECT taken FROM taken) AND target.action_type <> 'cancellation' \
         AND NOT target.cancelled \
       RETURNING dms_number) \
     SELECT (SELECT taken FROM taken), target.id, target.action_type, target.person_id, \
       target.register_entry, coalesce(target.cancelled, false), \
       (SELECT dms_number FROM action) \
     FROM (VALUES (1)) AS one LEFT JOIN target ON true"
);

sql!(
    /// Everything written once the action has its number and its receipt: the confirmation, the
    /// feed item, a move between communities (the residence change, the person's current
    /// residence, and the notice to the community the person left) and the audit row.
    ///
    /// `$1` action id, `$2` key id, `$3` receipt, `$4` person, `$5` received at, `$6` feed state,
    /// `$7` registration body (text), `$8` channel, `$9` action id (text), `$10` request id,
    /// `$11` audit details, `$12` the person moves, `$13` previous residence action,
    /// `$14` previous residence body, `$15` new residence action, `$16` new residence body,
    /// `$17` notify the previous body, `$18` action date.
    Close,
    Bool,
    "WITH confirmation AS ( \
       INSERT INTO confirmations (action_id, kid, receipt) VALUES ($1, $2, $3)), \
     feed AS ( \
       INSERT INTO feed_items (action_id, person_id, received_at, state) \
       VALUES ($1, $4, $5, $6)), \
     change AS ( \
       INSERT INTO residence_changes (action_id, person_id, previous_action_id, \
         previous_body_id) \
       SELECT $1, $4, $13, $14 WHERE $12), \
     moved AS ( \
       UPDATE persons SET residence_action_id = $15, residence_body_id = $16, \
         updated_at = now() \
       WHERE id = $4 AND $12), \
     notice AS ( \
       INSERT INTO notifications (registration_body_id, kind, action_id, previous_action_id, \
         effective_date) \
       SELECT $14, 'resident_registered_elsewhere', $1, $13, $18 WHERE $17) \
     INSERT INTO audit_log (actor_kind, actor_id, channel, event, target, request_id, details) \
     VALUES ('registration_body', $7, $8, 'registration_action.create', $9, $10, $11)"
);

sql!(
    /// A cancellation restores what the cancelled action replaced, and tells the community it
    /// had been taken from. `$1` the cancelled action, `$2` the cancellation, `$3` its date,
    /// `$4` its registration body.
    RestoreResidence,
    Bool,
    "WITH c AS (SELECT * FROM residence_changes WHERE action_id = $1), \
          u AS (UPDATE persons p SET residence_action_id = c.previous_action_id, \
                  residence_body_id = c.previous_body_id, updated_at = now() \
                FROM c WHERE p.id = c.person_id AND p.residence_action_id = $1 \
                RETURNING c.previous_body_id AS body, c.previous_action_id AS previous) \
     INSERT INTO notifications (registration_body_id, kind, action_id, previous_action_id, \
       effective_date) \
     SELECT body, 'move_cancelled', $2, previous, $3 FROM u \
     WHERE body IS NOT NULL AND body <> $4"
);
