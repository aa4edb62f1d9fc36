//! The community side: what a registration body does over the direct or Трембіта channel.

pub mod bulk_loads;
pub mod codifier;
pub mod notifications;
pub mod reconciliation;
pub mod registration_actions;
pub mod sandbox;
pub mod verification_requests;
