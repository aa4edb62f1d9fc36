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
        expires_at -> Nullable<Timestamptz>,
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

diesel::table! {
    persons (id) {
        id -> Uuid,
        person_key -> Text,
        unzr -> Nullable<Text>,
        register_entry -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        residence_action_id -> Nullable<Uuid>,
        residence_body_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    residence_changes (action_id) {
        action_id -> Uuid,
        person_id -> Uuid,
        previous_action_id -> Nullable<Uuid>,
        previous_body_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        registration_body_id -> Uuid,
        kind -> Text,
        action_id -> Uuid,
        previous_action_id -> Nullable<Uuid>,
        effective_date -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    registration_actions (id) {
        id -> Uuid,
        registration_body_id -> Uuid,
        external_id -> Text,
        action_type -> Text,
        action_date -> Date,
        person_id -> Nullable<Uuid>,
        katottg -> Nullable<Text>,
        cancels_action_id -> Nullable<Uuid>,
        body -> Jsonb,
        body_sha256 -> Bytea,
        schema_version -> Text,
        received_at -> Timestamptz,
        dms_number -> Text,
        late -> Bool,
        channel -> Text,
        transport_client -> Nullable<Text>,
        transport_query_id -> Nullable<Text>,
        transport_user_id -> Nullable<Text>,
        request_id -> Text,
        historical -> Bool,
        bulk_load_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    confirmations (action_id) {
        action_id -> Uuid,
        kid -> Text,
        receipt -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    feed_items (action_id) {
        action_id -> Uuid,
        person_id -> Nullable<Uuid>,
        state -> Text,
        received_at -> Timestamptz,
        dataset_seq -> Nullable<Int8>,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    territory_restrictions (id) {
        id -> Uuid,
        katottg -> Text,
        from_date -> Date,
        to_date -> Nullable<Date>,
        legal_basis -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    territory_restriction_ends (restriction_id) {
        restriction_id -> Uuid,
        last_day -> Date,
        reason -> Text,
        ended_by -> Uuid,
        ended_at -> Timestamptz,
    }
}

diesel::table! {
    bulk_loads (id) {
        id -> Uuid,
        registration_body_id -> Uuid,
        load_key -> Nullable<Text>,
        file_sha256 -> Bytea,
        file_bytes -> BigInt,
        state -> Text,
        lines_received -> Integer,
        lines_stored -> Integer,
        lines_replayed -> Integer,
        lines_refused -> Integer,
        cursor_date -> Date,
        cursor_line -> Integer,
        received_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        channel -> Text,
        transport_client -> Nullable<Text>,
        transport_query_id -> Nullable<Text>,
        transport_user_id -> Nullable<Text>,
        request_id -> Text,
    }
}

diesel::table! {
    bulk_load_lines (load_id, line_no) {
        load_id -> Uuid,
        line_no -> Integer,
        sort_date -> Date,
        external_id -> Nullable<Text>,
        defect -> Nullable<Text>,
        raw -> Text,
    }
}

diesel::joinable!(credentials -> registration_bodies (registration_body_id));
diesel::joinable!(confirmations -> registration_actions (action_id));
diesel::joinable!(registration_actions -> persons (person_id));
diesel::joinable!(territory_restriction_ends -> territory_restrictions (restriction_id));
diesel::allow_tables_to_appear_in_same_query!(
    katottg,
    registration_bodies,
    credentials,
    audit_log,
    persons,
    registration_actions,
    confirmations,
    feed_items,
    territory_restrictions,
    territory_restriction_ends,
    residence_changes,
    notifications,
    bulk_loads,
    bulk_load_lines
);
