//! Moves between communities, written inside the intake transaction.

use super::NewAction;
use diesel::prelude::*;
use diesel::sql_types::{Date, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Columns of the person as the upsert returns them.
pub(super) type PersonRow = (Uuid, bool, Option<Uuid>, Option<Uuid>);

pub(super) type Write<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = QueryResult<usize>> + Send + 'a>>;

/// Moves between communities. A declaration or registration of residence becomes the person's
/// current residence; if the previous one was in another community, that registration body is
/// notified (in this transaction, so exactly once). A deregistration of residence by the current
/// community clears it. A cancellation restores what the cancelled action replaced, and tells the
/// community it had been taken from.
pub(super) fn residence_writes<'a>(
    conn: &'a AsyncPgConnection,
    new: &'a NewAction,
    person_id: Option<Uuid>,
    (previous_action, previous_body): (Option<Uuid>, Option<Uuid>),
    cancels_action_id: Option<Uuid>,
) -> Vec<Write<'a>> {
    use crate::schema::{notifications as n, persons, residence_changes as rc};
    let mut writes: Vec<Write<'a>> = Vec::new();
    let kind = new.action_type.as_str();
    if let (Some(target), "cancellation") = (cancels_action_id, kind) {
        writes.push(Box::pin(
            diesel::sql_query(
                "WITH c AS (SELECT * FROM residence_changes WHERE action_id = $1), \
                      u AS (UPDATE persons p SET residence_action_id = c.previous_action_id, \
                              residence_body_id = c.previous_body_id, updated_at = now() \
                            FROM c WHERE p.id = c.person_id AND p.residence_action_id = $1 \
                            RETURNING c.previous_body_id AS body, c.previous_action_id AS previous) \
                 INSERT INTO notifications (registration_body_id, kind, action_id, previous_action_id, effective_date) \
                 SELECT body, 'move_cancelled', $2, previous, $3 FROM u \
                 WHERE body IS NOT NULL AND body <> $4",
            )
            .bind::<SqlUuid, _>(target)
            .bind::<SqlUuid, _>(new.id)
            .bind::<Date, _>(new.action_date)
            .bind::<SqlUuid, _>(new.registration_body_id)
            .execute(&mut &*conn),
        ));
        return writes;
    }
    let Some(person) = person_id else {
        return writes;
    };
    let moves_in = matches!(
        kind,
        "declaration_of_residence" | "registration_of_residence"
    );
    let moves_out =
        kind == "deregistration_of_residence" && previous_body == Some(new.registration_body_id);
    if !(moves_in || moves_out) {
        return writes;
    }
    writes.push(Box::pin(
        diesel::insert_into(rc::table)
            .values((
                rc::action_id.eq(new.id),
                rc::person_id.eq(person),
                rc::previous_action_id.eq(previous_action),
                rc::previous_body_id.eq(previous_body),
            ))
            .execute(&mut &*conn),
    ));
    let (action, body) = if moves_in {
        (Some(new.id), Some(new.registration_body_id))
    } else {
        (None, None)
    };
    writes.push(Box::pin(
        diesel::update(persons::table.find(person))
            .set((
                persons::residence_action_id.eq(action),
                persons::residence_body_id.eq(body),
                persons::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut &*conn),
    ));
    if let (true, Some(previous)) = (moves_in, previous_body) {
        if previous != new.registration_body_id {
            writes.push(Box::pin(
                diesel::insert_into(n::table)
                    .values((
                        n::registration_body_id.eq(previous),
                        n::kind.eq("resident_registered_elsewhere"),
                        n::action_id.eq(new.id),
                        n::previous_action_id.eq(previous_action),
                        n::effective_date.eq(new.action_date),
                    ))
                    .execute(&mut &*conn),
            ));
        }
    }
    writes
}
