DROP TABLE verification_requests, territory_restrictions, calendar_overrides, martial_law_periods,
  staff_tokens, staff;
