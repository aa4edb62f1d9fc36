//! Every state the database guards with a CHECK constraint, as a Rust enum mapped to its text
//! column once: a typo is a compile error, not a runtime 500. `ALL` lists the values in the
//! order of the constraint; a test compares each list with the live constraint.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// Defines a text-backed enum: `as_str`, `parse`, `ALL`, `Display`, `FromStr`, serde as the
/// text, and diesel's `ToSql`/`FromSql` for `Text` columns.
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::AsExpression, diesel::FromSqlRow, serde::Serialize, serde::Deserialize)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the order of the database constraint.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as stored and as clients see it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                Self::parse(s).ok_or(UnknownValue(stringify!($name)))
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Self::parse(&text).ok_or_else(|| {
                    format!("{} has no value {text:?}", stringify!($name)).into()
                })
            }
        }
    };
}

/// A text that names no value of the enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known {0}")]
pub struct UnknownValue(pub &'static str);

text_enum! {
    /// A DMS staff member's role (`staff.role`).
    pub enum StaffRole {
        /// Works verification requests within their unit's territory.
        Officer = "officer",
        /// All territories, registration bodies and credentials, the calendar, territorial bans.
        Supervisor = "supervisor",
        /// Read-only: the audit log and reports.
        Auditor = "auditor",
        /// A machine client, the document-issuance system: may only record a person's first
        /// entry into ЄДДР (seed 000 §4b); every other staff endpoint refuses it.
        Issuance = "issuance",
    }
}

text_enum! {
    /// Whether a registration body may act (`registration_bodies.status`).
    pub enum BodyStatus {
        Active = "active",
        /// Every submission is refused with 403 at once.
        Suspended = "suspended",
    }
}

text_enum! {
    /// Which kind of proof a credential row holds (`credentials.kind`).
    pub enum CredentialKind {
        /// `lookup` is the hex SHA-256 of a bearer token.
        Token = "token",
        /// `lookup` is a Трембіта client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
        Trembita = "trembita",
        /// `lookup` is the lower-case hex SHA-256 fingerprint of a client certificate
        /// (the direct channel in `mtls` mode).
        Certificate = "certificate",
    }
}

text_enum! {
    /// The channel an action arrived on (`registration_actions.channel`).
    pub enum Channel {
        /// The direct channel, with a bearer token.
        Token = "token",
        /// Трембіта, through its security server.
        Trembita = "trembita",
        /// The direct channel, with a client certificate (mutual TLS).
        Mtls = "mtls",
        /// The web interface, by an official of the body (the hosted community register).
        Web = "web",
    }
}

text_enum! {
    /// A data set's place on its way to ЄДДР (`datasets.state`).
    pub enum DatasetState {
        Building = "building",
        Sealed = "sealed",
        Delivered = "delivered",
        Acknowledged = "acknowledged",
        Failed = "failed",
    }
}

text_enum! {
    /// A feed item's place on its way to ЄДДР (`feed_items.state`).
    pub enum FeedItemState {
        Pending = "pending",
        /// The person is not yet in ЄДДР: never dropped, never sent early.
        Held = "held",
        InDataset = "in_dataset",
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

text_enum! {
    /// What a verification request asks (`verification_requests.question`).
    pub enum Question {
        ConfirmCurrentAddress = "confirm_current_address",
        ClarifyAddress = "clarify_address",
        ReportDeregistration = "report_deregistration",
    }
}

text_enum! {
    /// What a notice to a registration body says (`notifications.kind`).
    pub enum NoticeKind {
        /// Your registration of residence ended: the person registered elsewhere.
        ResidentRegisteredElsewhere = "resident_registered_elsewhere",
        /// That registration elsewhere was cancelled: yours is current again.
        MoveCancelled = "move_cancelled",
    }
}

text_enum! {
    /// A verification request's state, derived when read (not a column).
    pub enum RequestState {
        Open = "open",
        /// Unanswered after the end of its due day.
        Overdue = "overdue",
        Answered = "answered",
    }
}

text_enum! {
    /// The staff reports.
    pub enum ReportKind {
        /// Late submissions per registration body and Kyiv day of receipt.
        Late = "late",
        /// Actions per Kyiv day and type.
        Volumes = "volumes",
        /// Overdue answers per registration body.
        Overdue = "overdue",
    }
}

/// `(table, column, values)` of every enum stored in a CHECK-guarded column, for the test that
/// compares them with the live constraints.
pub fn checked_columns() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    fn texts<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    vec![
        ("staff", "role", texts(StaffRole::ALL, StaffRole::as_str)),
        (
            "registration_bodies",
            "status",
            texts(BodyStatus::ALL, BodyStatus::as_str),
        ),
        (
            "credentials",
            "kind",
            texts(CredentialKind::ALL, CredentialKind::as_str),
        ),
        (
            "registration_actions",
            "channel",
            texts(Channel::ALL, Channel::as_str),
        ),
        (
            "datasets",
            "state",
            texts(DatasetState::ALL, DatasetState::as_str),
        ),
        (
            "feed_items",
            "state",
            texts(FeedItemState::ALL, FeedItemState::as_str),
        ),
        (
            "verification_requests",
            "question",
            texts(Question::ALL, Question::as_str),
        ),
        (
            "notifications",
            "kind",
            texts(NoticeKind::ALL, NoticeKind::as_str),
        ),
        (
            "registration_actions",
            "action_type",
            texts(
                &dms_schemas::ActionType::ALL,
                dms_schemas::ActionType::as_str,
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(*r));
        }
        assert_eq!(StaffRole::parse("Officer"), None);
        assert_eq!("in_dataset".parse(), Ok(FeedItemState::InDataset));
        assert_eq!(
            serde_json::to_value(NoticeKind::MoveCancelled).ok(),
            Some(serde_json::json!("move_cancelled"))
        );
    }
}
