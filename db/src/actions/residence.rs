//! Moves between communities, decided here and written by the intake's closing statement.

use super::NewAction;
use uuid::Uuid;

/// A move the action makes: the residence change it records and the person's residence after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Move {
    /// The person's residence before the action (action and registration body).
    pub previous_action: Option<Uuid>,
    pub previous_body: Option<Uuid>,
    /// The person's residence after it: this action and body, or none (deregistered).
    pub action: Option<Uuid>,
    pub body: Option<Uuid>,
    /// The community the person left is told (in this transaction, so exactly once).
    pub notify_previous: bool,
}

/// A declaration or registration of residence becomes the person's current residence; if the
/// previous one was in another community, that registration body is notified. A deregistration
/// of residence by the current community clears it. Anything else moves nobody. (A cancellation
/// restores what the cancelled action replaced: `statements::RestoreResidence`.)
pub(super) fn residence_move(
    new: &NewAction,
    (previous_action, previous_body): (Option<Uuid>, Option<Uuid>),
) -> Option<Move> {
    let kind = new.action_type.as_str();
    let moves_in = matches!(
        kind,
        "declaration_of_residence" | "registration_of_residence"
    );
    let moves_out =
        kind == "deregistration_of_residence" && previous_body == Some(new.registration_body_id);
    if !(moves_in || moves_out) {
        return None;
    }
    let (action, body) = if moves_in {
        (Some(new.id), Some(new.registration_body_id))
    } else {
        (None, None)
    };
    Some(Move {
        previous_action,
        previous_body,
        action,
        body,
        notify_previous: moves_in && previous_body.is_some_and(|p| p != new.registration_body_id),
    })
}
