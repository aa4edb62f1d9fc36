//! Diesel table definitions, matching `migrations/` (the migrations are the source of truth).

diesel::table! {
    katottg (code) {
        code -> Text,
        category -> Bpchar,
        name -> Text,
        parent -> Nullable<Text>,
        hromada -> Nullable<Text>,
    }
}

diesel::table! {
    /// Session-local staging table used by the codifier import.
    katottg_import (code) {
        code -> Text,
        category -> Bpchar,
        name -> Text,
        parent -> Nullable<Text>,
        hromada -> Nullable<Text>,
    }
}

diesel::table! {
    registration_bodies (id) {
        id -> Uuid,
        edrpou -> Text,
        name -> Text,
        hromada_katottg -> Text,
        status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    credentials (id) {
        id -> Uuid,
        registration_body_id -> Uuid,
        kind -> Text,
        lookup -> Text,
        label -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        channel -> Text,
        event -> Text,
        target -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Jsonb,
    }
}

diesel::joinable!(credentials -> registration_bodies (registration_body_id));
diesel::allow_tables_to_appear_in_same_query!(katottg, registration_bodies, credentials, audit_log);
