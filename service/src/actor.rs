//! Who performs an operation, and how their audit rows name them. Every operation takes an
//! `Actor`; its audit row is written from it in the operation's transaction.

use dms_db::actions::Transport;
use dms_db::audit::AuditEvent;
use dms_db::bodies::RegistrationBody;
use dms_db::enums::StaffRole;
use dms_db::staff::Staff;

/// The one performing an operation.
#[derive(Debug, Clone)]
pub enum Who {
    /// A registration body, over the channel its request arrived on.
    Body {
        body: RegistrationBody,
        transport: Transport,
    },
    /// An official of a registration body on the web (the hosted community register): acts for
    /// the body; the audit log and the receipt's transport name the official.
    Official {
        official: OfficialRef,
        body: RegistrationBody,
        transport: Transport,
    },
    /// A DMS staff member on the admin API.
    Staff(Staff),
    /// A DMS staff member signed in to the staff console with their web account (`login`).
    StaffOnConsole { staff: Staff, login: String },
    /// An operator at the command line (the account they run it under).
    Operator(String),
    /// A scheduled job, by name.
    Job(&'static str),
}

/// The id of the request being served, kept in the request's extensions by the HTTP middleware
/// (every door reads it from there for its audit rows).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The actor a request was authenticated as, kept in the request's extensions by each door
/// (the API's extractors, the web's sessions) so that a refusal of that request is audited.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

/// Who an official is, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialRef {
    pub id: uuid::Uuid,
    pub login: String,
    pub name: String,
}

/// An actor and the request it acts in.
#[derive(Debug, Clone)]
pub struct Actor {
    pub who: Who,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn staff(staff: Staff, request_id: String) -> Actor {
        Actor {
            who: Who::Staff(staff),
            request_id: Some(request_id),
        }
    }

    /// A staff member on the staff console, signed in as `login`.
    pub fn staff_on_console(staff: Staff, login: String, request_id: String) -> Actor {
        Actor {
            who: Who::StaffOnConsole { staff, login },
            request_id: Some(request_id),
        }
    }

    pub fn body(body: RegistrationBody, transport: Transport, request_id: String) -> Actor {
        Actor {
            who: Who::Body { body, transport },
            request_id: Some(request_id),
        }
    }

    /// An official on the web, for their registration body.
    pub fn official(official: OfficialRef, body: RegistrationBody, request_id: String) -> Actor {
        let transport = Transport {
            channel: "web".into(),
            client: None,
            query_id: None,
            user_id: Some(official.login.clone()),
        };
        Actor {
            who: Who::Official {
                official,
                body,
                transport,
            },
            request_id: Some(request_id),
        }
    }

    /// The registration body acting and the channel it acts on (itself, or one of its officials).
    pub fn acting_body(&self) -> Option<(&RegistrationBody, &Transport)> {
        match &self.who {
            Who::Body { body, transport }
            | Who::Official {
                body, transport, ..
            } => Some((body, transport)),
            _ => None,
        }
    }

    /// The operator running a command: `$USER` (or `SUDO_USER`) when the shell says it.
    pub fn operator() -> Actor {
        let name = ["SUDO_USER", "USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "unknown".into());
        Actor {
            who: Who::Operator(name),
            request_id: None,
        }
    }

    pub fn job(name: &'static str) -> Actor {
        Actor {
            who: Who::Job(name),
            request_id: None,
        }
    }

    /// The staff member acting, if it is one.
    pub fn staff_member(&self) -> Option<&Staff> {
        match &self.who {
            Who::Staff(s) | Who::StaffOnConsole { staff: s, .. } => Some(s),
            _ => None,
        }
    }

    /// The registration body acting, if it is one.
    pub fn registration_body(&self) -> Option<&RegistrationBody> {
        match &self.who {
            Who::Body { body, .. } | Who::Official { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Who may manage registration bodies, their credentials and officials: a supervisor, or an
    /// operator at the command line; anyone else is refused.
    pub fn require_manager(&self) -> Result<(), crate::ServiceError> {
        match &self.who {
            Who::Operator(_) => Ok(()),
            _ => self.require_staff(&[StaffRole::Supervisor]).map(|_| ()),
        }
    }

    /// Staff whose role is one of `roles`; anyone else is refused.
    pub fn require_staff(&self, roles: &[StaffRole]) -> Result<&Staff, crate::ServiceError> {
        self.staff_member()
            .filter(|s| roles.contains(&s.role))
            .ok_or(crate::ServiceError::Forbidden)
    }

    /// The audit row of `event` done by this actor. Staff rows carry role and unit, as the
    /// auditors read them.
    pub fn audit(
        &self,
        event: &str,
        target: Option<String>,
        mut details: serde_json::Value,
    ) -> AuditEvent {
        let (actor_kind, actor_id, channel) = match &self.who {
            Who::Body { body, transport } => (
                "registration_body",
                Some(body.id.to_string()),
                transport.channel.clone(),
            ),
            Who::Official { official, body, .. } => {
                details["registration_body"] = body.id.to_string().into();
                details["login"] = official.login.clone().into();
                ("official", Some(official.id.to_string()), "web".to_owned())
            }
            Who::Staff(s) => {
                details["role"] = s.role.as_str().into();
                details["unit"] = s.unit.clone().into();
                ("staff", Some(s.id.to_string()), "admin".to_owned())
            }
            Who::StaffOnConsole { staff, login } => {
                details["role"] = staff.role.as_str().into();
                details["unit"] = staff.unit.clone().into();
                details["login"] = login.clone().into();
                ("staff", Some(staff.id.to_string()), "console".to_owned())
            }
            Who::Operator(name) => ("operator", Some(name.clone()), "cli".to_owned()),
            Who::Job(name) => ("system", Some((*name).to_owned()), "job".to_owned()),
        };
        AuditEvent {
            actor_kind: actor_kind.into(),
            actor_id,
            channel,
            event: event.into(),
            target,
            request_id: self.request_id.clone(),
            details,
        }
    }
}
